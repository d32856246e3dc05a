#include "base/redact.h"

#include <gtest/gtest.h>

namespace filesd {
namespace {

TEST(RedactUrlSecretsTest, SignedUploadTargetKeepsAllButTheSignature) {
  EXPECT_EQ(RedactUrlSecrets("/v1/files/upload/abc?exp=1796282954&size=10&ct=text%2Fplain&sig=s3cr3t"),
            "/v1/files/upload/abc?exp=1796282954&size=10&ct=text%2Fplain&sig=REDACTED");
}

TEST(RedactUrlSecretsTest, EveryListedNameInAnyCase) {
  for (const char* name : {"sig", "SIG", "signature", "Token", "access_token", "API_KEY", "key",
                           "X-Amz-Signature", "x-amz-credential", "X-AMZ-SECURITY-TOKEN"}) {
    const std::string target = std::string("/p?a=1&") + name + "=secret&b=2";
    EXPECT_EQ(RedactUrlSecrets(target), std::string("/p?a=1&") + name + "=REDACTED&b=2") << name;
  }
}

TEST(RedactUrlSecretsTest, OtherParametersAndPathsAreUntouched) {
  for (const char* target : {"/v1/files", "/v1/files?limit=10&after=file-1", "/sig=abc/x",
                             "/p?signed=1&keys=2&monkey=3&tokens=4", "/p?", "/p?&&", "/p?sig",
                             "/p?sig=", "/p?=sig"}) {
    EXPECT_EQ(RedactUrlSecrets(target), target);
  }
}

TEST(RedactUrlSecretsTest, RepeatedAndFirstAndLastParameters) {
  EXPECT_EQ(RedactUrlSecrets("/p?sig=a&sig=b"), "/p?sig=REDACTED&sig=REDACTED");
  EXPECT_EQ(RedactUrlSecrets("/p?key=a=b=c&x=1"), "/p?key=REDACTED&x=1");
}

TEST(RedactUrlSecretsTest, PercentEncodedNamesAreSecretsToo) {
  // A server decodes %73 to 's', so "%73ig" is the signature parameter.
  EXPECT_EQ(RedactUrlSecrets("/p?%73ig=abc&%4Bey=def"), "/p?%73ig=REDACTED&%4Bey=REDACTED");
  EXPECT_EQ(RedactUrlSecrets("/p?si%g=abc"), "/p?si%g=abc");  // not a valid escape: not "sig"
}

TEST(RedactUrlSecretsTest, AbsoluteUrlWithFragment) {
  EXPECT_EQ(RedactUrlSecrets("https://files.example.com/u?X-Amz-Signature=ff00&x=1#sig=frag"),
            "https://files.example.com/u?X-Amz-Signature=REDACTED&x=1#sig=frag");
}

TEST(RedactUrlSecretsTest, ValueWithTheSecretStringDoesNotSurvive) {
  const std::string secret = "Zm9vYmFyMTIzNDU2Nzg5MA";
  const std::string out = RedactUrlSecrets("/v1/files/upload/x?sig=" + secret + "&n=" + "1");
  EXPECT_EQ(out.find(secret), std::string::npos) << out;
}

}  // namespace
}  // namespace filesd
