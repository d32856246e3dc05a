#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "process/json_scanner.h"
#include "process/process_file.h"
#include "process/text_decode.h"

namespace filesd::process {
namespace {

using testing::Fixture;
using testing::MustProcess;

TEST(JsonFileTest, ObjectRoot) {
  ProcessOutput out = MustProcess("object.json");
  EXPECT_EQ(out.type, "json");
  EXPECT_EQ(out.mime_type, "application/json");
  EXPECT_EQ(out.metadata_json,
            R"({"type":"json","format":"json","root_type":"object","depth":5,)"
            R"("keys":["name","version","tags","nested","ok"],"length":null,"record_count":null,)"
            R"("invalid_lines":null,"detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.summary,
            "JSON document with an object of 5 keys at the root (name, version, tags, nested, ok), "
            "nested 5 levels deep.");
  EXPECT_EQ(out.text.substr(0, 18), R"({"name": "filesd",)");
}

TEST(JsonFileTest, ArrayAndScalarRoots) {
  ProcessOutput arr = MustProcess("array.json");
  EXPECT_EQ(arr.metadata_json,
            R"({"type":"json","format":"json","root_type":"array","depth":2,"keys":null,"length":7,)"
            R"("record_count":null,"invalid_lines":null,"detected_by":"content+extension",)"
            R"("extension_mismatch":false})");
  EXPECT_EQ(arr.summary, "JSON document with an array of 7 items at the root, nested 2 levels deep.");
  ProcessOutput scalar = MustProcess("scalar.json");
  EXPECT_EQ(scalar.metadata_json,
            R"({"type":"json","format":"json","root_type":"string","depth":0,"keys":null,"length":null,)"
            R"("record_count":null,"invalid_lines":null,"detected_by":"content+extension",)"
            R"("extension_mismatch":false})");
  EXPECT_EQ(scalar.summary, "JSON document holding a single string value.");
}

TEST(JsonFileTest, JsonLinesWithAnInvalidLine) {
  ProcessOutput out = MustProcess("records.jsonl");
  EXPECT_EQ(out.mime_type, "application/x-ndjson");
  EXPECT_EQ(out.metadata_json,
            R"({"type":"json","format":"jsonl","root_type":"object","depth":3,"keys":["id","name","extra"],)"
            R"("length":null,"record_count":3,"invalid_lines":1,"detected_by":"content+extension",)"
            R"("extension_mismatch":false})");
  EXPECT_EQ(
      out.summary,
      "JSON Lines file with 3 records (1 invalid line), nested 3 levels deep. Fields: id, name, extra.");
}

TEST(JsonFileTest, SeveralValuesInAJsonFileAreReadAsJsonLines) {
  const std::string path = testing::WriteTemp("many.json", "[1]\n[2, [3]]\n\"x\"\n");
  Result<ProcessOutput> out = ProcessFile(path, "many.json", ProcessLimits());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(
      out->metadata_json,
      R"({"type":"json","format":"jsonl","root_type":"mixed","depth":2,"keys":null,"length":null,)"
      R"("record_count":3,"invalid_lines":0,"detected_by":"content+extension","extension_mismatch":false})");
}

TEST(JsonFileTest, InvalidAndTooDeepDocumentsAreRefused) {
  Result<ProcessOutput> broken = ProcessFile(Fixture("broken.json"), "broken.json", ProcessLimits());
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().reason(), "invalid_file");
  EXPECT_EQ(broken.status().message(), "invalid JSON at byte 19: expected ',' or a closing bracket");
  Result<ProcessOutput> deep = ProcessFile(Fixture("deep.json"), "deep.json", ProcessLimits());
  EXPECT_EQ(deep.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(deep.status().reason(), "processing_limit");
  EXPECT_EQ(deep.status().message(), "the JSON document is nested deeper than 512 levels");
  // The same limit holds for JSON Lines, which simdjson parses.
  const std::string path =
      testing::WriteTemp("deep.jsonl", "{}\n" + std::string(600, '[') + std::string(600, ']') + "\n");
  Result<ProcessOutput> deep_lines = ProcessFile(path, "deep.jsonl", ProcessLimits());
  EXPECT_EQ(deep_lines.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(deep_lines.status().message(), "a JSON Lines record is nested deeper than 512 levels");
}

TEST(JsonFileTest, JsonLinesWithoutAValidLineIsRefused) {
  const std::string path = testing::WriteTemp("junk.jsonl", "not json\nnor this\n");
  Result<ProcessOutput> out = ProcessFile(path, "junk.jsonl", ProcessLimits());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "no line of the JSON Lines file is valid JSON");
}

struct ScanResult {
  Status status;
  std::string root;
  int depth = 0;
  std::vector<std::string> keys;
  uint64_t length = 0;
  bool second = false;
};

ScanResult Scan(std::string_view doc, int max_depth = 64, size_t piece = 0) {
  JsonScanner s(max_depth);
  if (piece == 0) {
    s.Feed(doc);
  } else {
    for (size_t i = 0; i < doc.size(); i += piece) s.Feed(doc.substr(i, piece));
  }
  s.Finish();
  return {s.status(), std::string(s.root_type()), s.depth(), s.keys(), s.length(), s.found_second_value()};
}

TEST(JsonScannerTest, MeasuresShapeWhateverTheChunking) {
  const std::string doc =
      R"( {"a\u00e9\"": [1, -2.5e+3, {"b": [true, false, null]}], "k\ud83d\ude00": "s\\\"", "z": {}} )";
  for (size_t piece : {0, 1, 2, 3, 7}) {
    ScanResult r = Scan(doc, 64, piece);
    ASSERT_TRUE(r.status.ok()) << piece << ": " << r.status.ToString();
    EXPECT_EQ(r.root, "object");
    EXPECT_EQ(r.depth, 4);
    EXPECT_EQ(r.keys, (std::vector<std::string>{"a\xC3\xA9\"", "k\xF0\x9F\x98\x80", "z"}));
  }
  ScanResult arr = Scan("[[], {}, 0, \"x\", [[]]]");
  EXPECT_EQ(arr.root, "array");
  EXPECT_EQ(arr.length, 5u);
  EXPECT_EQ(arr.depth, 3);
  ScanResult num = Scan(" -0.5E-2 ");
  EXPECT_TRUE(num.status.ok());
  EXPECT_EQ(num.root, "number");
  EXPECT_EQ(num.depth, 0);
  EXPECT_TRUE(Scan("123").status.ok());  // A number ending the input.
}

TEST(JsonScannerTest, RefusesInvalidDocuments) {
  auto message = [](std::string_view doc) { return Scan(doc).status.message(); };
  EXPECT_EQ(message(""), "invalid JSON at byte 0: the document is empty");
  EXPECT_EQ(message("01"), "invalid JSON at byte 1: a number may not have a leading zero");
  EXPECT_EQ(message("1."), "invalid JSON at byte 2: incomplete number");
  EXPECT_EQ(message("-"), "invalid JSON at byte 1: incomplete number");
  EXPECT_EQ(message("[1,]"), "invalid JSON at byte 3: unexpected character");
  EXPECT_EQ(message("{\"a\" 1}"), "invalid JSON at byte 5: expected ':' after a key");
  EXPECT_EQ(message("{1:2}"), "invalid JSON at byte 1: expected a string key");
  EXPECT_EQ(message("tru"), "invalid JSON at byte 3: unexpected end of the document");
  EXPECT_EQ(message("nul1"), "invalid JSON at byte 3: invalid literal");
  EXPECT_EQ(message("\"a\x01\""), "invalid JSON at byte 2: control character in a string");
  EXPECT_EQ(message("\"\\x\""), "invalid JSON at byte 2: invalid escape in a string");
  EXPECT_EQ(message("\"\\u12G4\""), "invalid JSON at byte 5: invalid \\u escape");
  EXPECT_EQ(message("[1] [2]"), "invalid JSON at byte 4: unexpected content after the JSON value");
  EXPECT_TRUE(Scan("{} {}").second);
  EXPECT_FALSE(Scan("[1,]").second);
}

TEST(JsonScannerTest, DepthLimitIsExact) {
  const std::string ok = std::string(8, '[') + std::string(8, ']');
  EXPECT_TRUE(Scan(ok, 8).status.ok());
  EXPECT_EQ(Scan(ok, 8).depth, 8);
  ScanResult deep = Scan(ok, 7);
  EXPECT_EQ(deep.status.code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(deep.status.message(), "the JSON document is nested deeper than 7 levels");
}

TEST(TextFileTest, CountsCharactersLinesAndWords) {
  ProcessOutput out = MustProcess("notes.txt");
  EXPECT_EQ(out.type, "text");
  EXPECT_EQ(out.mime_type, "text/plain");
  EXPECT_EQ(out.metadata_json,
            R"({"type":"text","encoding":"utf-8","char_count":53,"line_count":3,"word_count":10,)"
            R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.summary, "Text file with 3 lines, 10 words and 53 characters (utf-8).");
  EXPECT_EQ(out.text, "Hello world.\nThis is a café.\r\nLast line without break");
}

TEST(TextFileTest, Latin1) {
  ProcessOutput out = MustProcess("latin1.txt");
  EXPECT_EQ(out.metadata_json,
            R"({"type":"text","encoding":"latin-1","char_count":15,"line_count":1,"word_count":3,)"
            R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.text, "Grüße aus Köln\n");
}

TEST(TextDecodeTest, Utf8ValidationAcrossChunks) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    Utf8Validator v(true);
    v.Feed(std::string_view(text).substr(0, cut));
    v.Feed(std::string_view(text).substr(cut));
    v.Finish();
    EXPECT_TRUE(v.valid()) << cut;
    EXPECT_EQ(v.code_points(), 5u);
  }
  for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"}) {
    Utf8Validator v;
    v.Feed(bad);
    v.Finish();
    EXPECT_FALSE(v.valid()) << bad;
  }
}

TEST(TextDecodeTest, Utf16AcrossChunksWithSurrogates) {
  const std::string le("\x41\x00\x3D\xD8\x00\xDE\xE9\x00", 8);  // A 😀 é
  for (size_t cut = 0; cut <= le.size(); ++cut) {
    Utf16Decoder d(false);
    std::string out;
    d.Decode(le.substr(0, cut), out);
    d.Decode(le.substr(cut), out);
    d.Finish(out);
    EXPECT_EQ(out, "A\xF0\x9F\x98\x80\xC3\xA9") << cut;
  }
  Utf16Decoder lone(true);
  std::string out;
  lone.Decode(std::string("\xD8\x3D\x00\x41", 4), out);  // A high surrogate then 'A'.
  lone.Finish(out);
  EXPECT_EQ(out,
            "\xEF\xBF\xBD"
            "A");
}

TEST(TextDecodeTest, TruncateAndTranscode) {
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 3), "ab");
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 4), "ab\xC3\xA9");
  EXPECT_EQ(TruncateUtf8("\xF0\x9F\x98\x80", 3), "");
  EXPECT_EQ(Latin1ToUtf8("\xE9t\xE9"), "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
}

}  // namespace
}  // namespace filesd::process
