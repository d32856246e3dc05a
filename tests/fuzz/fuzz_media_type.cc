// libFuzzer target for ParseMediaType() and MediaTypeSatisfies() (a signed URL's Content-Type
// binding compares a client's header with them).
//
// Input: the Content-Type value. Invariants: a parsed value renders to a canonical form that parses
// to the same thing; a parsed value satisfies a binding to itself and to its canonical form; the type
// and subtype are lower-case tokens. A value that names a parameter twice may bind nothing (its
// values must all hold at once), so the self-satisfaction checks skip it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/parse/media_type.h"
#include "fuzz_check.h"

namespace {

// type/subtype; name="value" with '"' and '\' escaped.
std::string Canonical(const filesd::MediaType& m) {
  std::string out = m.type + "/" + m.subtype;
  for (const auto& p : m.parameters) {
    out += "; " + p.name + "=\"";
    for (char c : p.value) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out;
}

bool DistinctNames(const filesd::MediaType& m) {
  for (size_t i = 0; i < m.parameters.size(); ++i) {
    for (size_t j = i + 1; j < m.parameters.size(); ++j) {
      if (m.parameters[i].name == m.parameters[j].name) return false;
    }
  }
  return true;
}

bool Same(const filesd::MediaType& a, const filesd::MediaType& b) {
  if (a.type != b.type || a.subtype != b.subtype || a.parameters.size() != b.parameters.size()) {
    return false;
  }
  for (size_t i = 0; i < a.parameters.size(); ++i) {
    if (a.parameters[i].name != b.parameters[i].name) return false;
    if (a.parameters[i].value != b.parameters[i].value) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto parsed = filesd::ParseMediaType(value);
  if (!parsed) {
    (void)filesd::MediaTypeSatisfies("text/csv; charset=utf-8", value);
    return 0;
  }
  FUZZ_CHECK(!parsed->type.empty() && !parsed->subtype.empty());
  for (char c : parsed->type + parsed->subtype) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  const std::string canonical = Canonical(*parsed);
  const auto again = filesd::ParseMediaType(canonical);
  FUZZ_CHECK(again && Same(*parsed, *again));
  if (!DistinctNames(*parsed)) return 0;
  FUZZ_CHECK(filesd::MediaTypeSatisfies(value, value));
  FUZZ_CHECK(filesd::MediaTypeSatisfies(canonical, value));
  FUZZ_CHECK(filesd::MediaTypeSatisfies(value, canonical));
  return 0;
}
