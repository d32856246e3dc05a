#include "process/json_processor.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "process/json_scanner.h"
#include "process/json_writer.h"
#include "process/text_decode.h"

namespace filesd::process {

namespace {

constexpr size_t kChunkBytes = 1 << 20;

std::string KeysPreview(const std::vector<std::string>& keys, uint64_t total) {
  constexpr size_t kListed = 8;
  std::string out;
  for (size_t i = 0; i < keys.size() && i < kListed; ++i) {
    if (i > 0) out += ", ";
    out += keys[i];
  }
  if (total > kListed) out += ", …";
  return out;
}

std::string DepthPhrase(int depth) {
  return depth <= 1 ? "" : ", nested " + FormatCount(static_cast<uint64_t>(depth)) + " levels deep";
}

std::string_view ElementTypeName(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
    default:
      return "number";
  }
}

// Nesting depth of a parsed element (0 for a scalar). The recursion is bounded by the parser's depth.
int ElementDepth(simdjson::dom::element e) {
  int deepest = 0;
  if (e.type() == simdjson::dom::element_type::ARRAY) {
    simdjson::dom::array arr;
    if (e.get(arr) != simdjson::SUCCESS) return 0;
    for (simdjson::dom::element child : arr) deepest = std::max(deepest, ElementDepth(child));
    return deepest + 1;
  }
  if (e.type() == simdjson::dom::element_type::OBJECT) {
    simdjson::dom::object obj;
    if (e.get(obj) != simdjson::SUCCESS) return 0;
    for (simdjson::dom::key_value_pair field : obj) deepest = std::max(deepest, ElementDepth(field.value));
    return deepest + 1;
  }
  return 0;
}

Result<ProcessOutput> AnalyzeDocument(ByteSource& src, const ProcessLimits& limits, bool* is_jsonl) {
  *is_jsonl = false;
  JsonScanner scanner(std::max(1, limits.max_json_depth));
  TextReader reader(src, kChunkBytes);
  TextCapture text(limits.max_text_bytes);
  while (true) {
    FILESD_ASSIGN_OR_RETURN(std::string_view chunk, reader.Next());
    if (chunk.empty()) break;
    scanner.Feed(chunk);
    if (!scanner.status().ok()) break;
    text.Feed(chunk);
  }
  scanner.Finish();
  if (!scanner.status().ok()) {
    if (scanner.found_second_value()) {
      *is_jsonl = true;
      return Internal("not a single document");  // The caller reads it again as JSON Lines.
    }
    return scanner.status();
  }
  if (reader.encoding() == Encoding::kLatin1) return InvalidFile("the JSON document is not valid UTF-8");

  ProcessOutput out;
  out.type = "json";
  out.mime_type = "application/json";
  const std::string_view root = scanner.root_type();
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("json");
  w.Key("format").String("json");
  w.Key("root_type").String(root);
  w.Key("depth").Int(scanner.depth());
  w.Key("keys");
  if (root == "object") {
    w.BeginArray();
    for (const std::string& k : scanner.keys()) w.String(k);
    w.EndArray();
  } else {
    w.Null();
  }
  w.Key("length");
  if (root == "array") {
    w.Uint(scanner.length());
  } else {
    w.Null();
  }
  w.Key("record_count").Null();
  w.Key("invalid_lines").Null();
  w.EndObject();
  out.metadata_json = w.Take();

  if (root == "object") {
    out.summary =
        "JSON document with an object of " + CountNoun(scanner.key_count(), "key", "keys") + " at the root";
    if (scanner.key_count() > 0) out.summary += " (" + KeysPreview(scanner.keys(), scanner.key_count()) + ")";
    out.summary += DepthPhrase(scanner.depth()) + ".";
  } else if (root == "array") {
    out.summary = "JSON document with an array of " + CountNoun(scanner.length(), "item", "items") +
                  " at the root" + DepthPhrase(scanner.depth()) + ".";
  } else {
    out.summary = "JSON document holding a single " + std::string(root) + " value.";
  }
  out.text = text.Finish(false);
  return out;
}

// Accumulates the statistics of JSON Lines records.
class JsonlStats {
 public:
  explicit JsonlStats(int max_depth) : max_depth_(max_depth) {
    // simdjson counts the document itself as one level.
    alloc_error_ = parser_.allocate(4096, static_cast<size_t>(max_depth) + 1);
  }

  // Analyses one non-blank line. REQUIRES: `line` has SIMDJSON_PADDING readable bytes after its end.
  Status AddLine(const char* data, size_t len) {
    if (alloc_error_ != simdjson::SUCCESS) return Internal("cannot allocate the JSON parser");
    simdjson::dom::element doc;
    simdjson::error_code err = parser_.parse(data, len, false).get(doc);
    if (err == simdjson::DEPTH_ERROR) return DepthError();
    if (err == simdjson::MEMALLOC)
      return LimitExceeded("processing failed: the file exceeds the memory limit");
    if (err != simdjson::SUCCESS) {
      ++invalid_lines_;
      return Status::Ok();
    }
    const int depth = ElementDepth(doc);
    if (depth > max_depth_) return DepthError();
    ++records_;
    deepest_ = std::max(deepest_, depth);
    std::string_view type = ElementTypeName(doc.type());
    if (root_type_.empty()) {
      root_type_ = type;
    } else if (root_type_ != type) {
      root_type_ = "mixed";
    }
    if (doc.type() == simdjson::dom::element_type::OBJECT) {
      any_object_ = true;
      simdjson::dom::object obj;
      if (doc.get(obj) == simdjson::SUCCESS) {
        for (simdjson::dom::key_value_pair field : obj) {
          if (keys_.size() >= kJsonMaxKeptKeys) break;
          std::string key(field.key.substr(0, kJsonMaxKeyBytes));
          if (seen_.insert(key).second) keys_.push_back(SanitizeUtf8(key));
        }
      }
    }
    return Status::Ok();
  }
  void AddOverlongLine() { ++invalid_lines_; }

  uint64_t records() const { return records_; }
  uint64_t invalid_lines() const { return invalid_lines_; }
  int depth() const { return deepest_; }
  std::string_view root_type() const { return root_type_; }
  bool any_object() const { return any_object_; }
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  Status DepthError() const {
    return LimitExceeded("a JSON Lines record is nested deeper than " +
                         FormatCount(static_cast<uint64_t>(max_depth_)) + " levels");
  }

  int max_depth_;
  simdjson::dom::parser parser_{kJsonMaxLineBytes};
  simdjson::error_code alloc_error_ = simdjson::SUCCESS;
  uint64_t records_ = 0;
  uint64_t invalid_lines_ = 0;
  int deepest_ = 0;
  std::string_view root_type_;
  bool any_object_ = false;
  std::vector<std::string> keys_;
  std::unordered_set<std::string> seen_;
};

Result<ProcessOutput> AnalyzeJsonLines(ByteSource& src, const ProcessLimits& limits) {
  JsonlStats stats(std::max(1, limits.max_json_depth));
  TextReader reader(src, kChunkBytes);
  TextCapture text(limits.max_text_bytes);
  std::string line;
  line.reserve(4096 + simdjson::SIMDJSON_PADDING);
  bool overlong = false;
  auto finish_line = [&]() -> Status {
    if (overlong) {
      stats.AddOverlongLine();
    } else {
      size_t len = line.size();
      if (len > 0 && line[len - 1] == '\r') --len;
      bool blank = true;
      for (size_t i = 0; i < len && blank; ++i) {
        blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
      }
      if (!blank) {
        line.resize(len);
        line.append(simdjson::SIMDJSON_PADDING, '\0');  // simdjson reads past the end.
        FILESD_RETURN_IF_ERROR(stats.AddLine(line.data(), len));
      }
    }
    line.clear();
    overlong = false;
    return Status::Ok();
  };
  while (true) {
    FILESD_ASSIGN_OR_RETURN(std::string_view chunk, reader.Next());
    if (chunk.empty()) break;
    text.Feed(chunk);
    size_t i = 0;
    while (i < chunk.size()) {
      const void* nl = std::memchr(chunk.data() + i, '\n', chunk.size() - i);
      const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - chunk.data()) : chunk.size();
      if (!overlong) {
        if (line.size() + (end - i) > kJsonMaxLineBytes) {
          overlong = true;
          line.clear();
        } else {
          line.append(chunk.data() + i, end - i);
        }
      }
      i = end;
      if (nl) {
        FILESD_RETURN_IF_ERROR(finish_line());
        ++i;
      }
    }
  }
  if (!line.empty() || overlong) FILESD_RETURN_IF_ERROR(finish_line());
  if (stats.records() == 0 && stats.invalid_lines() > 0) {
    return InvalidFile("no line of the JSON Lines file is valid JSON");
  }

  ProcessOutput out;
  out.type = "json";
  out.mime_type = "application/x-ndjson";
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("json");
  w.Key("format").String("jsonl");
  w.Key("root_type");
  if (stats.root_type().empty()) {
    w.Null();
  } else {
    w.String(stats.root_type());
  }
  w.Key("depth").Int(stats.depth());
  w.Key("keys");
  if (stats.any_object()) {
    w.BeginArray();
    for (const std::string& k : stats.keys()) w.String(k);
    w.EndArray();
  } else {
    w.Null();
  }
  w.Key("length").Null();
  w.Key("record_count").Uint(stats.records());
  w.Key("invalid_lines").Uint(stats.invalid_lines());
  w.EndObject();
  out.metadata_json = w.Take();

  out.summary = "JSON Lines file with " + CountNoun(stats.records(), "record", "records");
  if (stats.invalid_lines() > 0) {
    out.summary += " (" + CountNoun(stats.invalid_lines(), "invalid line", "invalid lines") + ")";
  }
  out.summary += DepthPhrase(stats.depth()) + ".";
  if (stats.any_object() && !stats.keys().empty()) {
    out.summary += " Fields: " + KeysPreview(stats.keys(), stats.keys().size()) + ".";
  }
  out.text = text.Finish(reader.encoding() == Encoding::kLatin1);
  return out;
}

}  // namespace

Result<ProcessOutput> JsonProcessor::Process(ByteSource& src, const ProcessLimits& limits) {
  if (!jsonl_) {
    bool is_jsonl = false;
    Result<ProcessOutput> doc = AnalyzeDocument(src, limits, &is_jsonl);
    if (!is_jsonl) return doc;
  }
  return AnalyzeJsonLines(src, limits);
}

}  // namespace filesd::process
