// A streaming, validating JSON scanner (RFC 8259) that measures a document's shape in bounded memory:
// the root type, the nesting depth, the root object's keys and the root array's length. It never builds
// the document, so a 1 GB JSON file is analysed with a few kilobytes (plus the kept keys).
//
// Depth: a scalar root has depth 0, [] and {} depth 1, [[1]] depth 2. Nesting deeper than max_depth is
// refused as soon as it is seen (kPayloadTooLarge, reason processing_limit), before any more is read.
// Invalid JSON is kInvalidArgument (reason invalid_file) with the byte offset of the fault. Content
// must be UTF-8 (checked by the caller's reader, see json_processor.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace filesd::process {

inline constexpr size_t kJsonMaxKeptKeys = 1000;
inline constexpr size_t kJsonMaxKeyBytes = 256;

class JsonScanner {
 public:
  // REQUIRES: max_depth >= 1.
  explicit JsonScanner(int max_depth);

  // Scans the next bytes (any split). After an error, input is ignored.
  void Feed(std::string_view chunk);
  // Ends the input; a document left incomplete is an error.
  void Finish();
  // OK or the first error.
  const Status& status() const { return status_; }
  // True when the error is a second top-level value after the first (the content may be JSON Lines).
  bool found_second_value() const { return second_value_; }

  // Results, meaningful once Finish() succeeded.
  // "object", "array", "string", "number", "boolean" or "null".
  std::string_view root_type() const { return root_type_; }
  int depth() const { return max_depth_seen_; }
  // The root object's keys in document order (duplicates kept), at most kJsonMaxKeptKeys, each cut at
  // kJsonMaxKeyBytes; key_count() counts them all.
  const std::vector<std::string>& keys() const { return keys_; }
  uint64_t key_count() const { return key_count_; }
  // Elements of the root array.
  uint64_t length() const { return length_; }

 private:
  enum class State : uint8_t {
    kValue,        // A value is expected (root, after ':' or after ',' in an array).
    kArrayFirst,   // After '[': a value or ']'.
    kObjectFirst,  // After '{': a key or '}'.
    kObjectKey,    // After ',' in an object: a key.
    kColon,        // After a key.
    kAfterValue,   // After a value: ',', a closing bracket, or the end.
    kString,       // Inside a string.
    kEscape,       // After a backslash.
    kUnicode,      // Inside \uXXXX.
    kNumber,       // Inside a number (see number_state_).
    kLiteral,      // Inside true/false/null.
    kDone,         // After the root value.
  };

  void Fail(std::string message);
  void StartValue(char c);
  void EndValue();
  bool Push(bool is_object);
  // Processes one byte that is not part of a string's plain run. Returns false on error.
  void Step(char c);
  void NumberStep(char c);

  const int max_depth_;
  Status status_;
  State state_ = State::kValue;
  std::string stack_;    // 'o' or 'a' per open container.
  uint64_t offset_ = 0;  // Of the next byte, for error messages.
  bool second_value_ = false;

  // String state.
  bool string_is_key_ = false;
  bool collect_ = false;  // Collecting a root-object key.
  std::string key_;
  int unicode_left_ = 0;
  uint32_t unicode_value_ = 0;
  uint32_t high_surrogate_ = 0;

  // Number and literal state.
  uint8_t number_state_ = 0;
  std::string_view literal_;
  size_t literal_pos_ = 0;

  // Results.
  std::string_view root_type_;
  int max_depth_seen_ = 0;
  std::vector<std::string> keys_;
  uint64_t key_count_ = 0;
  uint64_t length_ = 0;
};

}  // namespace filesd::process
