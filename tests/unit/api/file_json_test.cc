// The text renderings of file objects (AppendFileJson, AppendFileListJson) against the Boost.JSON
// object forms they stand for: byte for byte what boost::json::serialize() writes, over strings
// that need every kind of escape, absent and present optional fields, and stored metadata that is
// valid, oddly spelled or not JSON at all.
#include "api/file_json.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace filesd {
namespace {

FileRecord PlainFile() {
  FileRecord f;
  f.id = "30b9f1b3-0237-40d8-a94d-50aee22fce1b";
  f.project_id = "p";
  f.filename = "small.conf";
  f.purpose = "user_data";
  f.bytes = 1377;
  f.status = FileStatus::kProcessed;
  f.mime_type = "text/plain";
  f.sha256 = "323f0110d34e9108a448c0be8004c8c38d111ef64f055213e7eb7b454a83e6c5";
  f.created_at = 1796315021;
  f.updated_at = 1796315022;
  f.processed_at = 1796315023;
  f.metadata_json = R"({"type":"text","encoding":"utf-8","char_count":1377})";
  f.processing_summary = "Text file with 49 lines.";
  return f;
}

std::vector<FileRecord> Variants() {
  std::vector<FileRecord> out;
  out.push_back(PlainFile());

  FileRecord bare;  // every optional absent, zero sizes
  bare.id = "00000000-0000-4000-8000-000000000000";
  bare.filename = "";
  bare.purpose = "assistants";
  bare.status = FileStatus::kPending;
  out.push_back(bare);

  FileRecord odd = PlainFile();
  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control.push_back(static_cast<char>(c));
  odd.filename = "quote\" backslash\\ slash/ del\x7f " + every_control + " é ✓ \xff\xfe raw";
  odd.mime_type = "application/x-\"odd\"";
  odd.status_details = std::string("line1\nline2\ttab\r\b\f");
  odd.processing_summary = "</script>";
  odd.expires_at = -1;
  odd.bytes = UINT64_MAX;
  odd.created_at = INT64_MIN;
  odd.updated_at = INT64_MAX;
  // Spelled unlike Boost.JSON writes it: spaces, escapes, exponents, duplicate keys.
  odd.metadata_json =
      R"( { "a" : 1.50, "b":[1e3, -0.0, 1E-7, 12345678901234567890], "c":"\u00e9\/x", "a":2,)"
      R"( "d":{"e":null,"f":true}} )";
  out.push_back(odd);

  FileRecord not_json = PlainFile();
  not_json.metadata_json = "{not json";
  out.push_back(not_json);

  FileRecord deep = PlainFile();
  deep.metadata_json = "{\"big\":\"" + std::string(10000, 'x') + "\"}";  // beyond the stack buffer
  out.push_back(deep);
  return out;
}

TEST(FileJsonTest, FileTextIsWhatSerializeWritesOfTheObject) {
  for (const FileRecord& f : Variants()) {
    std::string text;
    AppendFileJson(text, f);
    EXPECT_EQ(text, boost::json::serialize(FileObject(f))) << f.filename;
  }
}

TEST(FileJsonTest, ListTextIsWhatSerializeWritesOfTheObject) {
  FileList empty;
  empty.total = 7;  // a page past the end
  FileList page;
  page.files = Variants();
  page.total = 12;
  page.has_more = true;
  for (const FileList& list : {empty, page}) {
    std::string text;
    AppendFileListJson(text, list);
    EXPECT_EQ(text, boost::json::serialize(FileListObject(list)));
  }
}

}  // namespace
}  // namespace filesd
