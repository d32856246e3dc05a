// libFuzzer target for DecideRange().
//
// Input layout: byte 0 picks the content size: odd means the next 8 bytes are a little-endian size,
// even means size = byte0 / 2 (0..127, where most interesting decisions are). The rest is the
// header. Sizes stay below 2^63, as file sizes (off_t) do.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "api/parse/byte_range.h"

namespace {

bool SameDecision(const filesd::RangeDecision& a, const filesd::RangeDecision& b) {
  if (a.outcome != b.outcome) return false;
  if (a.outcome != filesd::RangeOutcome::kSatisfiable) return true;
  return a.range.first == b.range.first && a.range.last == b.range.last;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint64_t content_size = data[0] / 2;
  size_t header_at = 1;
  if ((data[0] & 1) != 0) {
    if (size < 9) return 0;
    content_size = 0;
    for (int i = 0; i < 8; ++i) content_size |= uint64_t{data[1 + i]} << (8 * i);
    // Real sizes fit in off_t; above 2^63 a decided range could not be written back as a header.
    content_size &= ~(uint64_t{1} << 63);
    header_at = 9;
  }
  const std::string header(reinterpret_cast<const char*>(data) + header_at, size - header_at);

  const filesd::RangeDecision d = filesd::DecideRange(header, content_size);
  switch (d.outcome) {
    case filesd::RangeOutcome::kSatisfiable: {
      FUZZ_CHECK(content_size > 0);
      FUZZ_CHECK(d.range.first <= d.range.last);
      FUZZ_CHECK(d.range.last < content_size);
      FUZZ_CHECK(d.range.length() >= 1 && d.range.length() <= content_size);
      // Only a header with a "bytes" unit and digits can be satisfiable.
      FUZZ_CHECK(header.find('=') != std::string::npos);
      // The decided range, written back as a header, decides the same.
      const std::string canonical =
          "bytes=" + std::to_string(d.range.first) + "-" + std::to_string(d.range.last);
      FUZZ_CHECK(SameDecision(filesd::DecideRange(canonical, content_size), d));
      // Content that grows keeps a satisfiable range satisfiable.
      FUZZ_CHECK(filesd::DecideRange(header, content_size + 1).outcome ==
                 filesd::RangeOutcome::kSatisfiable);
      break;
    }
    case filesd::RangeOutcome::kIgnore:
    case filesd::RangeOutcome::kUnsatisfiable:
      FUZZ_CHECK(d.range.first == 0 && d.range.last == 0);
      break;
  }
  if (header.find('=') == std::string::npos) {
    FUZZ_CHECK(d.outcome == filesd::RangeOutcome::kIgnore);
  }
  // Surrounding whitespace and letter case do not change the decision.
  FUZZ_CHECK(SameDecision(filesd::DecideRange(" \t" + header + "\t ", content_size), d));
  std::string upper = header;
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  FUZZ_CHECK(SameDecision(filesd::DecideRange(upper, content_size), d));
  // Empty content never gets a 206.
  FUZZ_CHECK(filesd::DecideRange(header, 0).outcome != filesd::RangeOutcome::kSatisfiable);
  return 0;
}
