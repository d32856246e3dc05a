#include "process/sniff.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "fixtures.h"
#include "process/process_file.h"

namespace filesd::process {
namespace {

std::string Decide(std::string_view mime, std::string_view ext) {
  SniffResult r = DecideKind(mime, ext);
  std::string s(FileKindName(r.kind));
  s += "/" + r.detected_by;
  if (r.extension_mismatch) s += "/mismatch";
  if (r.jsonl) s += "/jsonl";
  if (r.xls) s += "/xls";
  return s;
}

TEST(SniffTest, ContentAndExtensionDecideTogether) {
  EXPECT_EQ(Decide("application/pdf", "pdf"), "pdf/content+extension");
  EXPECT_EQ(Decide("application/pdf", ""), "pdf/content");
  EXPECT_EQ(Decide("image/png", "pdf"), "image/content/mismatch");
  EXPECT_EQ(Decide("image/x-ms-bmp", "bmp"), "image/content+extension");
  EXPECT_EQ(Decide("application/octet-stream", "pdf"), "pdf/extension");
  EXPECT_EQ(Decide("application/octet-stream", "png"), "image/extension");
  // A type filesd does not read (e.g. a weak libmagic match on random bytes) named .pdf: the name
  // decides, and the PDF reader's error follows.
  EXPECT_EQ(Decide("audio/x-mp4a-latm", "pdf"), "pdf/extension");
  EXPECT_EQ(Decide("audio/x-mp4a-latm", "mp4"), "binary/content");
  EXPECT_EQ(Decide("application/octet-stream", "csv"), "binary/content/mismatch");
  EXPECT_EQ(Decide("application/octet-stream", "bin"), "binary/content");
  EXPECT_EQ(Decide("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
            "excel/content+extension");
  EXPECT_EQ(Decide("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv"),
            "excel/content/mismatch");
  EXPECT_EQ(Decide("application/zip", "xlsx"), "excel/content+extension");
  EXPECT_EQ(Decide("application/zip", "xls"), "binary/content/mismatch");
  EXPECT_EQ(Decide("application/zip", ""), "binary/content");
  EXPECT_EQ(Decide("application/vnd.ms-excel", "xls"), "excel/content+extension/xls");
  EXPECT_EQ(Decide("application/x-ole-storage", "xls"), "excel/content+extension/xls");
  EXPECT_EQ(Decide("application/CDFV2", "doc"), "binary/content");
  EXPECT_EQ(Decide("text/plain", "csv"), "csv/content+extension");
  EXPECT_EQ(Decide("text/csv", "txt"), "text/content+extension");
  EXPECT_EQ(Decide("text/csv", ""), "csv/content");
  EXPECT_EQ(Decide("text/plain", ""), "text/content");
  EXPECT_EQ(Decide("text/plain", "jsonl"), "json/content+extension/jsonl");
  EXPECT_EQ(Decide("application/json", "data"), "json/content");
  EXPECT_EQ(Decide("application/x-ndjson", ""), "json/content/jsonl");
  EXPECT_EQ(Decide("text/plain", "png"), "text/content/mismatch");
  EXPECT_EQ(Decide("application/x-empty", "csv"), "csv/content+extension");
}

TEST(SniffTest, Extensions) {
  EXPECT_EQ(ExtensionOf("Data.CSV"), "csv");
  EXPECT_EQ(ExtensionOf("archive.tar.gz"), "gz");
  EXPECT_EQ(ExtensionOf("noext"), "");
  EXPECT_EQ(ExtensionOf(".bashrc"), "");
  EXPECT_EQ(ExtensionOf("trailing."), "");
  EXPECT_EQ(ExtensionOf("dir.d/file"), "");
}

TEST(SniffTest, LibmagicOnRealContent) {
  EXPECT_EQ(*MagicMimeType("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"), "application/pdf");
  std::ifstream png(testing::Fixture("gray.png"), std::ios::binary);
  const std::string png_bytes((std::istreambuf_iterator<char>(png)), std::istreambuf_iterator<char>());
  EXPECT_EQ(*MagicMimeType(png_bytes), "image/png");
  EXPECT_EQ(*MagicMimeType("plain words here\n"), "text/plain");
  EXPECT_EQ(*MagicMimeType(""), "application/x-empty");
}

TEST(SniffTest, UnknownBinaryAndMisnamedText) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>((i * 37 + 11) & 0xFF));
  const std::string path = testing::WriteTemp("blob.bin", bytes);
  Result<ProcessOutput> out = ProcessFile(path, "blob.bin", ProcessLimits());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->type, "binary");
  EXPECT_EQ(out->mime_type, "application/octet-stream");
  EXPECT_EQ(out->metadata_json,
            R"({"type":"binary","mime_type":"application/octet-stream","detected_by":"content",)"
            R"("extension_mismatch":false})");
  EXPECT_EQ(out->summary, "Binary file of 256 bytes (application/octet-stream).");
  EXPECT_EQ(out->text, "");

  const std::string text = testing::WriteTemp("words.png", "just some words\n");
  Result<ProcessOutput> misnamed = ProcessFile(text, "words.png", ProcessLimits());
  ASSERT_TRUE(misnamed.ok()) << misnamed.status().ToString();
  EXPECT_EQ(misnamed->metadata_json,
            R"({"type":"text","encoding":"utf-8","char_count":16,"line_count":1,"word_count":3,)"
            R"("detected_by":"content","extension_mismatch":true})");
}

TEST(SniffTest, MissingFile) {
  Result<ProcessOutput> out = ProcessFile("/nonexistent/file.csv", "file.csv", ProcessLimits());
  EXPECT_EQ(out.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(out.status().message(), "the file to process does not exist");
}

}  // namespace
}  // namespace filesd::process
