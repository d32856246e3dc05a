// A small streaming JSON writer for metadata objects, plus the number formatting of summaries.
//
// Strings are written as valid JSON: control characters are escaped and bytes that are not valid UTF-8
// are replaced by U+FFFD, so the output is always valid UTF-8 JSON whatever the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace filesd::process {

// Appends `s` as a quoted JSON string to `out`.
void AppendJsonString(std::string& out, std::string_view s);

// Builds one JSON value. Commas are inserted automatically; the caller balances Begin/End and writes a
// Key() before each value inside an object. Misuse is a programmer error, not checked at run time.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Double(double v);  // Non-finite values are written as null.
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Writes `json` verbatim as one value. REQUIRES: `json` is one valid JSON value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  bool need_comma_ = false;
  bool after_key_ = false;
};

// 1204 -> "1,204" (the way a person writes counts in a summary).
std::string FormatCount(uint64_t n);
// "1 row" / "2 rows": the count formatted, then the noun in singular or plural.
std::string CountNoun(uint64_t n, std::string_view singular, std::string_view plural);

// Inserts `fields` (text like `"a":1,"b":2`) at the end of the JSON object `object`.
// REQUIRES: `object` is a JSON object (ends with '}').
void AppendFieldsToObject(std::string& object, std::string_view fields);

}  // namespace filesd::process
