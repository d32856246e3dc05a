// Parsing of the HTTP `Range` request header (RFC 9110 section 14) for one resource of known size.
#pragma once

#include <cstdint>
#include <string_view>

namespace filesd {

struct ByteRange {
  uint64_t first = 0;  // inclusive
  uint64_t last = 0;   // inclusive
  uint64_t length() const { return last - first + 1; }
};

enum class RangeOutcome {
  kIgnore,          // no usable Range: serve the whole content with 200 (unknown unit, several ranges)
  kSatisfiable,     // serve `range` with 206
  kUnsatisfiable,   // 416 with `Content-Range: bytes */<size>` (malformed bytes spec, or no overlap)
};

struct RangeDecision {
  RangeOutcome outcome = RangeOutcome::kIgnore;
  ByteRange range;  // set when outcome == kSatisfiable; clamped to the content
};

// Decides how to answer `header` (the Range value, without the name) for content of `size` bytes.
// Accepts exactly one range of the forms "bytes=a-b", "bytes=a-", "bytes=-n" (unit case-insensitive,
// optional whitespace around tokens). Digits only; a number over 2^63 is malformed. A list of several
// ranges is kIgnore (RFC 9110 lets a server answer 200). "bytes=" specs that are malformed, or whose
// first byte is at or past the end, or a suffix of 0, are kUnsatisfiable. Empty content: any bytes
// range is kUnsatisfiable.
RangeDecision DecideRange(std::string_view header, uint64_t size);

}  // namespace filesd
