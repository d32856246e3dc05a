#include "config/byte_size.h"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>

namespace filesd {
namespace {

struct Unit {
  std::string_view name;  // as written by FormatByteSize; parsed case-insensitively
  uint64_t bytes;
};

constexpr uint64_t kKi = 1024;
constexpr uint64_t kK = 1000;

// Largest first within each base, so FormatByteSize finds the shortest exact form.
constexpr std::array<Unit, 9> kUnits = {{
    {"TiB", kKi * kKi * kKi * kKi},
    {"GiB", kKi * kKi * kKi},
    {"MiB", kKi * kKi},
    {"KiB", kKi},
    {"TB", kK * kK * kK * kK},
    {"GB", kK * kK * kK},
    {"MB", kK * kK},
    {"kB", kK},
    {"B", 1},
}};

constexpr std::string_view kAccepted =
    "an integer number of bytes with an optional unit: B, kB, MB, GB, TB (powers of 1000) or "
    "KiB, MiB, GiB, TiB (powers of 1024), e.g. 10MB or 8GiB";

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status Refuse(std::string_view text, std::string_view why) {
  return InvalidArgument("'" + std::string(text) + "' is not a size" +
                         (why.empty() ? "" : " (" + std::string(why) + ")") + "; expected " +
                         std::string(kAccepted));
}

}  // namespace

Result<uint64_t> ParseByteSize(std::string_view text) {
  const std::string_view s = Trim(text);
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0) {
    if (!s.empty() && s.front() == '-') return Refuse(text, "negative");
    return Refuse(text, "");
  }
  if (digits < s.size() && (s[digits] == '.' || s[digits] == ',')) {
    return Refuse(text, "fractions are not accepted; use a smaller unit, e.g. 1500MB for 1.5GB");
  }
  uint64_t number = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + digits, number);
  if (ec != std::errc() || end != s.data() + digits) {
    return Refuse(text, "more than 18446744073709551615 bytes");
  }
  const std::string_view unit = Trim(s.substr(digits));
  if (unit.empty()) return number;
  for (const Unit& u : kUnits) {
    if (!EqualsIgnoringCase(unit, u.name)) continue;
    if (number > std::numeric_limits<uint64_t>::max() / u.bytes) {
      return Refuse(text, "more than 18446744073709551615 bytes");
    }
    return number * u.bytes;
  }
  return Refuse(text, "unknown unit '" + std::string(unit) + "'");
}

std::string FormatByteSize(uint64_t bytes) {
  const std::string plain = std::to_string(bytes);
  if (bytes == 0) return plain;
  std::string best;  // the shortest exact form with a unit; the first listed wins a tie
  for (const Unit& u : kUnits) {
    if (u.bytes == 1 || bytes % u.bytes != 0) continue;
    std::string candidate = std::to_string(bytes / u.bytes) + std::string(u.name);
    if (best.empty() || candidate.size() < best.size()) best = std::move(candidate);
  }
  // A unit reads better than a bare number of the same length ("16KiB" for 16384).
  return !best.empty() && best.size() <= plain.size() ? best : plain;
}

}  // namespace filesd
