// Signed upload URLs (upload/hmac_url_signer.h) and their secret (upload/signing_secret.h):
// round trips, every tampering of a signed field, expiry, the constant-time comparison, and the
// secret's persistence on disk.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "upload/hmac_url_signer.h"
#include "upload/signing_secret.h"

namespace filesd {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNow = 1'700'000'000;
const std::string kKey(32, 'k');

std::unique_ptr<HmacUrlSigner> Signer(const std::string& key = kKey) {
  auto s = HmacUrlSigner::Create(key);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

UploadGrant Grant() {
  UploadGrant g;
  g.project_id = "0b8f6a0e-3d0c-4f59-9f52-1c6a7b0d9e11";
  g.file_id = "550e8400-e29b-41d4-a716-446655440000";
  g.storage_path = StoragePathFor(g.file_id, "data.csv");
  g.expires_at = kNow + 60;
  return g;
}

UploadGrant BoundGrant() {
  UploadGrant g = Grant();
  g.size_bytes = 45678;
  g.content_type = "text/csv; charset=utf-8";
  return g;
}

// Replaces the first occurrence of `from` in `s` (which must contain it).
std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from << " not in " << s;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

std::string ParamValue(const std::string& target, const std::string& name) {
  const size_t pos = target.find(name + "=");
  if (pos == std::string::npos) return "";
  const size_t start = pos + name.size() + 1;
  return target.substr(start, target.find('&', start) - start);
}

// The error of a refused target (or a failure when it was accepted).
void ExpectRefused(const HmacUrlSigner& signer, const std::string& target, std::string_view reason,
                   int64_t now = kNow) {
  auto r = signer.Verify(target, now);
  ASSERT_FALSE(r.ok()) << "accepted: " << target;
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().reason(), reason) << target;
  EXPECT_EQ(r.status().message().find(kKey), std::string::npos);
}

TEST(StoragePathTest, ExtensionIsLowerCasedAndRestrictedToAlphanumerics) {
  const std::string id = "550e8400-e29b-41d4-a716-446655440000";
  EXPECT_EQ(StoragePathFor(id, "report.PDF"), "files/" + id + ".pdf");
  EXPECT_EQ(StoragePathFor(id, "data.csv"), "files/" + id + ".csv");
  EXPECT_EQ(StoragePathFor(id, "archive.tar.gz"), "files/" + id + ".gz");
  EXPECT_EQ(StoragePathFor(id, "README"), "files/" + id);
  EXPECT_EQ(StoragePathFor(id, "trailing."), "files/" + id);
  EXPECT_EQ(StoragePathFor(id, "x.c%2F"), "files/" + id);
  EXPECT_EQ(StoragePathFor(id, "x.ab\xc3\xa9"), "files/" + id);
  EXPECT_EQ(StoragePathFor(id, "x.abcdefghijklmnopq"), "files/" + id);  // 17 characters
  EXPECT_EQ(StoragePathFor(id, "x.abcdefghijklmnop"), "files/" + id + ".abcdefghijklmnop");
}

TEST(HmacUrlSignerTest, RefusesShortKeys) {
  auto s = HmacUrlSigner::Create(std::string(31, 'k'));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
}

TEST(HmacUrlSignerTest, SignedTargetVerifiesToTheSameGrant) {
  auto signer = Signer();
  for (const UploadGrant& g : {Grant(), BoundGrant()}) {
    const std::string target = signer->SignedTarget(g);
    EXPECT_EQ(target.rfind("/v1/files/upload/" + g.file_id + ".csv?", 0), 0u) << target;
    auto back = signer->Verify(target, kNow);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, g);
  }
}

// A known answer, computed independently (Python's hmac over the canonical string documented in
// hmac_url_signer.h), so the format cannot drift silently.
TEST(HmacUrlSignerTest, KnownAnswer) {
  auto signer = Signer();
  UploadGrant g = Grant();
  g.storage_path = StoragePathFor(g.file_id, "report.pdf");
  g.expires_at = 1700000060;
  g.size_bytes = 45678;
  g.content_type = "application/pdf";
  EXPECT_EQ(signer->SignedTarget(g),
            "/v1/files/upload/550e8400-e29b-41d4-a716-446655440000.pdf"
            "?project=0b8f6a0e-3d0c-4f59-9f52-1c6a7b0d9e11&expires=1700000060&size=45678"
            "&type=application%2Fpdf&sig=bSuC1kKpPuUeLGVUcuTGexAbFwQ8aLiHwGyEuzTQKTI");
}

TEST(HmacUrlSignerTest, BoundTypeIsPercentEncodedAndDecoded) {
  auto signer = Signer();
  UploadGrant g = BoundGrant();
  g.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; a=\"b&c\"";
  const std::string target = signer->SignedTarget(g);
  EXPECT_EQ(target.find(' '), std::string::npos);
  EXPECT_EQ(target.find('"'), std::string::npos);
  EXPECT_NE(target.find("%3B%20a%3D%22b%26c%22"), std::string::npos) << target;
  auto back = signer->Verify(target, kNow);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->content_type, g.content_type);
  // Lower-case escapes are the same bytes, so they verify alike.
  auto lower = signer->Verify(Replace(target, "%3B", "%3b"), kNow);
  EXPECT_TRUE(lower.ok());
}

TEST(HmacUrlSignerTest, AnyChangeToTheSignatureIsRefused) {
  auto signer = Signer();
  const std::string target = signer->SignedTarget(Grant());
  const std::string sig = ParamValue(target, "sig");
  ASSERT_EQ(sig.size(), 43u);  // 32 bytes, unpadded base64url
  for (size_t i : {size_t{0}, sig.size() / 2, sig.size() - 1}) {
    std::string bad = sig;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    ExpectRefused(*signer, Replace(target, "sig=" + sig, "sig=" + bad), kReasonInvalidSignature);
  }
  ExpectRefused(*signer, Replace(target, "sig=" + sig, "sig=" + sig.substr(1)),
                kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(target, "sig=" + sig, "sig="), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(target, "&sig=" + sig, ""), kReasonInvalidSignature);
  // A second sig (or any repeated signed parameter) is refused rather than guessed at.
  ExpectRefused(*signer, target + "&sig=" + sig, kReasonInvalidSignature);
  ExpectRefused(*signer, target + "&expires=1", kReasonInvalidSignature);
}

TEST(HmacUrlSignerTest, TamperedExpiryIsABadSignatureNotAnExpiry) {
  auto signer = Signer();
  const UploadGrant g = Grant();
  const std::string target = signer->SignedTarget(g);
  const std::string exp = "expires=" + std::to_string(g.expires_at);
  ExpectRefused(*signer, Replace(target, exp, "expires=" + std::to_string(g.expires_at + 3600)),
                kReasonInvalidSignature);
  // Even when the forged expiry is in the past.
  ExpectRefused(*signer, Replace(target, exp, "expires=1"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(target, exp, "expires=-5"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(target, exp, "expires=abc"), kReasonInvalidSignature);
}

TEST(HmacUrlSignerTest, TamperedFileIdPathOrProjectIsRefused) {
  auto signer = Signer();
  const UploadGrant g = Grant();
  const std::string target = signer->SignedTarget(g);
  ExpectRefused(*signer, Replace(target, "550e8400", "550e8401"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(target, ".csv?", ".pdf?"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(target, ".csv?", "?"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(target, "0b8f6a0e", "0b8f6a0f"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(target, "/v1/files/upload/", "/v1/files/uploads/"),
                kReasonInvalidSignature);
  ExpectRefused(*signer,
                Replace(target, "550e8400-e29b-41d4-a716-446655440000.csv",
                        "550E8400-E29B-41D4-A716-446655440000.csv"),
                kReasonInvalidSignature);
  ExpectRefused(*signer, target.substr(0, target.find('?')), kReasonInvalidSignature);
}

TEST(HmacUrlSignerTest, BoundSizeAndTypeCannotBeChangedAddedOrDropped) {
  auto signer = Signer();
  const std::string bound = signer->SignedTarget(BoundGrant());
  ExpectRefused(*signer, Replace(bound, "size=45678", "size=45679"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(bound, "size=45678", "size=999999999"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(bound, "&size=45678", ""), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(bound, "text%2Fcsv", "text%2Fplain"), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(bound, "type=" + ParamValue(bound, "type"), "type=text%2Fcsv"),
                kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(bound, "&type=" + ParamValue(bound, "type"), ""),
                kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(bound, "%2F", "%2"), kReasonInvalidSignature);

  // Binding a size or a type onto a URL signed without one.
  const std::string open = signer->SignedTarget(Grant());
  ExpectRefused(*signer, Replace(open, "&sig=", "&size=10&sig="), kReasonInvalidSignature);
  ExpectRefused(*signer, Replace(open, "&sig=", "&type=text%2Fcsv&sig="), kReasonInvalidSignature);
}

TEST(HmacUrlSignerTest, UnknownParametersGrantNothingAndAreIgnored) {
  auto signer = Signer();
  const std::string target = signer->SignedTarget(Grant());
  auto r = signer->Verify(target + "&x-client=1&utm_source=mail", kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Grant());
}

TEST(HmacUrlSignerTest, ExpiresAfterItsLastSecond) {
  auto signer = Signer();
  const UploadGrant g = Grant();
  const std::string target = signer->SignedTarget(g);
  EXPECT_TRUE(signer->Verify(target, g.expires_at).ok());
  ExpectRefused(*signer, target, kReasonUrlExpired, g.expires_at + 1);
  ExpectRefused(*signer, target, kReasonUrlExpired, g.expires_at + 86400);
}

TEST(HmacUrlSignerTest, AnotherKeyDoesNotVerify) {
  auto a = Signer(std::string(32, 'a'));
  auto b = Signer(std::string(32, 'b'));
  const std::string target = a->SignedTarget(Grant());
  ExpectRefused(*b, target, kReasonInvalidSignature);
  EXPECT_NE(ParamValue(target, "sig"), ParamValue(b->SignedTarget(Grant()), "sig"));
}

TEST(HmacUrlSignerTest, CanonicalStringTellsAbsentFromPresentFields) {
  UploadGrant g = Grant();
  UploadGrant sized = g;
  sized.size_bytes = 0;
  UploadGrant typed = g;
  typed.content_type = "a";
  const std::string base = HmacUrlSigner::CanonicalString(g);
  EXPECT_NE(base, HmacUrlSigner::CanonicalString(sized));
  EXPECT_NE(base, HmacUrlSigner::CanonicalString(typed));
  EXPECT_NE(HmacUrlSigner::CanonicalString(sized), HmacUrlSigner::CanonicalString(typed));
  EXPECT_NE(base.find("size!\n"), std::string::npos) << base;
  EXPECT_NE(HmacUrlSigner::CanonicalString(typed).find("type=1:a\n"), std::string::npos);
}

// The signature comparison goes through the constant-time function, once per verification, with
// the whole presented and expected signatures, wherever they differ; nothing compares them first.
std::atomic<int> g_compares{0};
std::atomic<size_t> g_last_lengths{0};
bool RecordingEquals(std::string_view a, std::string_view b) {
  ++g_compares;
  g_last_lengths = a.size() * 1000 + b.size();
  return ConstantTimeEquals(a, b);
}

TEST(HmacUrlSignerTest, SignatureIsComparedInConstantTime) {
  EXPECT_EQ(HmacUrlSigner::kDefaultEquals, &ConstantTimeEquals);
  auto created = HmacUrlSigner::Create(kKey, &RecordingEquals);
  ASSERT_TRUE(created.ok());
  const HmacUrlSigner& signer = **created;
  const std::string target = signer.SignedTarget(Grant());
  const std::string sig = ParamValue(target, "sig");

  g_compares = 0;
  EXPECT_TRUE(signer.Verify(target, kNow).ok());
  EXPECT_EQ(g_compares.load(), 1);
  EXPECT_EQ(g_last_lengths.load(), 43u * 1000 + 43u);
  for (size_t i : {size_t{0}, size_t{42}}) {
    std::string bad = sig;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    g_compares = 0;
    EXPECT_FALSE(signer.Verify(Replace(target, sig, bad), kNow).ok());
    EXPECT_EQ(g_compares.load(), 1) << "position " << i;
    EXPECT_EQ(g_last_lengths.load(), 43u * 1000 + 43u);
  }
  // An expired URL is only reported after its signature was checked.
  g_compares = 0;
  EXPECT_EQ(signer.Verify(target, kNow + 3600).status().reason(), kReasonUrlExpired);
  EXPECT_EQ(g_compares.load(), 1);
}

// ------------------------------------------------------------------------------------------------
// The secret on disk.

class SigningSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "filesd-secret-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path() const { return dir_ + "/secret"; }
  std::string dir_;
};

TEST_F(SigningSecretTest, CreatedOnceWithMode0600AndReusedAfterwards) {
  auto first = LoadOrCreateSigningSecret(dir_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), kGeneratedSecretBytes);
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);

  auto again = LoadOrCreateSigningSecret(dir_);  // a restart
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  // No temporary file is left next to it.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);

  // URLs signed before the restart verify after it.
  auto before = HmacUrlSigner::Create(*first);
  auto after = HmacUrlSigner::Create(*again);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_TRUE((*after)->Verify((*before)->SignedTarget(Grant()), kNow).ok());
}

TEST_F(SigningSecretTest, TwoServersStartingAtOnceShareOneSecret) {
  constexpr int kThreads = 8;
  std::vector<std::string> got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto s = LoadOrCreateSigningSecret(dir_);
      if (s.ok()) got[i] = *s;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(got[i].size(), 32u);
    EXPECT_EQ(got[i], got[0]);
  }
}

TEST_F(SigningSecretTest, DifferentDataDirsGetDifferentSecrets) {
  auto a = LoadOrCreateSigningSecret(dir_);
  fs::create_directory(dir_ + "/other");
  auto b = LoadOrCreateSigningSecret(dir_ + "/other");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(SigningSecretTest, RefusesAnOpenOrDamagedSecretFile) {
  ASSERT_TRUE(LoadOrCreateSigningSecret(dir_).ok());
  ASSERT_EQ(::chmod(path().c_str(), 0644), 0);
  auto open = LoadOrCreateSigningSecret(dir_);
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().code(), StatusCode::kInvalidArgument);

  ASSERT_EQ(::chmod(path().c_str(), 0600), 0);
  ASSERT_EQ(::truncate(path().c_str(), 16), 0);
  auto shortened = LoadOrCreateSigningSecret(dir_);
  ASSERT_FALSE(shortened.ok());
  EXPECT_EQ(shortened.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SigningSecretTest, DoesNotFollowASymlink) {
  const std::string elsewhere = dir_ + "/elsewhere";
  { std::ofstream(elsewhere) << std::string(32, 'x'); }
  ::chmod(elsewhere.c_str(), 0600);
  ASSERT_EQ(::symlink(elsewhere.c_str(), path().c_str()), 0);
  EXPECT_FALSE(LoadOrCreateSigningSecret(dir_).ok());
}

}  // namespace
}  // namespace filesd
