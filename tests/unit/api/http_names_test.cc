#include "api/http_names.h"

#include <gtest/gtest.h>

namespace filesd {
namespace {

TEST(ContentDispositionTest, PlainAsciiNameHasNoExtendedParameter) {
  EXPECT_EQ(ContentDispositionAttachment("report.pdf"), "attachment; filename=\"report.pdf\"");
}

TEST(ContentDispositionTest, NonAsciiNameGetsRfc5987EncodingAndAnAsciiFallback) {
  EXPECT_EQ(ContentDispositionAttachment("résumé 東.pdf"),
            "attachment; filename=\"r__sum__ ___.pdf\"; "
            "filename*=UTF-8''r%C3%A9sum%C3%A9%20%E6%9D%B1.pdf");
}

TEST(ContentDispositionTest, QuotesAndBackslashesNeverBreakTheQuotedString) {
  EXPECT_EQ(ContentDispositionAttachment("a\"b\\c.txt"),
            "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%22b%5Cc.txt");
}

TEST(ContentDispositionTest, PercentGetsTheExactExtendedNameToo) {
  // Some browsers percent-decode filename=; filename* carries the name exactly.
  EXPECT_EQ(ContentDispositionAttachment("100%25.txt"),
            "attachment; filename=\"100%25.txt\"; filename*=UTF-8''100%2525.txt");
}

TEST(MediaTypeTest, ByExtensionCaseInsensitive) {
  EXPECT_EQ(MediaTypeForFilename("a.PDF"), "application/pdf");
  EXPECT_EQ(MediaTypeForFilename("data.csv"), "text/csv");
  EXPECT_EQ(MediaTypeForFilename("x.tar.gz"), "application/octet-stream");
  EXPECT_EQ(MediaTypeForFilename("noext"), "application/octet-stream");
  EXPECT_EQ(MediaTypeForFilename("trailing."), "application/octet-stream");
}

TEST(ValidateFilenameTest, AcceptsOrdinaryAndUnicodeNames) {
  EXPECT_TRUE(ValidateFilename("report.pdf", "filename").ok());
  EXPECT_TRUE(ValidateFilename("東京 résumé.pdf", "filename").ok());
  EXPECT_TRUE(ValidateFilename(std::string(255, 'a'), "filename").ok());
  // A backslash is a byte of the name (curl and browsers send it as is), not a separator.
  EXPECT_TRUE(ValidateFilename("back\\slash \"q\".csv", "filename").ok());
}

TEST(ValidateFilenameTest, RefusesWhatCannotBeAFileName) {
  const std::string bad[] = {"", std::string(256, 'a'), "a/b", std::string("a\0b", 3),
                             "tab\tname", "\xff\xfe", "\xc3", "\xed\xa0\x80" /* surrogate */};
  for (const auto& name : bad) {
    Status s = ValidateFilename(name, "filename");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(s.param().value_or(""), "filename");
  }
}

TEST(BaseNameTest, StripsSlashDirectoriesAndKeepsBackslashes) {
  EXPECT_EQ(BaseName("a\\b.txt"), "a\\b.txt");
  EXPECT_EQ(BaseName("dir/a\\b.txt"), "a\\b.txt");
  EXPECT_EQ(BaseName("/tmp/x/b.csv"), "b.csv");
  EXPECT_EQ(BaseName("plain"), "plain");
}

}  // namespace
}  // namespace filesd
