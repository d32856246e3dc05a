#include "api/parse/byte_range.h"

#include <algorithm>

namespace filesd {
namespace {

constexpr uint64_t kMaxNumber = uint64_t{1} << 63;

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

bool IsBytesUnit(std::string_view unit) {
  static constexpr std::string_view kBytes = "bytes";
  if (unit.size() != kBytes.size()) return false;
  for (size_t i = 0; i < unit.size(); ++i) {
    const char c = unit[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kBytes[i]) return false;
  }
  return true;
}

// Digits only, at least one; false for anything else or a value over 2^63 (checked before each
// multiplication, so no overflow however many digits there are).
bool ParseNumber(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (kMaxNumber - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

}  // namespace

RangeDecision DecideRange(std::string_view header, uint64_t size) {
  const RangeDecision ignore;
  const RangeDecision unsatisfiable{RangeOutcome::kUnsatisfiable, {}};

  header = TrimOws(header);
  const size_t eq = header.find('=');
  if (eq == std::string_view::npos || !IsBytesUnit(TrimOws(header.substr(0, eq)))) return ignore;

  // RFC 9110 lists allow empty elements ("bytes=0-1, ,"), so count the non-empty ones.
  std::string_view set = header.substr(eq + 1);
  std::string_view spec;
  int specs = 0;
  while (true) {
    const size_t comma = set.find(',');
    const std::string_view element = TrimOws(set.substr(0, comma));
    if (!element.empty()) {
      ++specs;
      spec = element;
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (specs > 1) return ignore;
  if (specs == 0) return unsatisfiable;

  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return unsatisfiable;
  const std::string_view first_text = TrimOws(spec.substr(0, dash));
  const std::string_view last_text = TrimOws(spec.substr(dash + 1));

  RangeDecision decision{RangeOutcome::kSatisfiable, {}};
  if (first_text.empty()) {  // "-n": the last n bytes
    uint64_t suffix = 0;
    if (!ParseNumber(last_text, &suffix) || suffix == 0 || size == 0) return unsatisfiable;
    decision.range.first = suffix >= size ? 0 : size - suffix;
    decision.range.last = size - 1;
    return decision;
  }
  uint64_t first = 0;
  if (!ParseNumber(first_text, &first)) return unsatisfiable;
  uint64_t last = UINT64_MAX;
  if (!last_text.empty()) {
    if (!ParseNumber(last_text, &last) || last < first) return unsatisfiable;
  }
  if (first >= size) return unsatisfiable;  // also every range of empty content
  decision.range.first = first;
  decision.range.last = std::min(last, size - 1);
  return decision;
}

}  // namespace filesd
