#include "api/parse/media_type.h"

#include "api/parse/http_syntax.h"

#include <algorithm>
#include <cstring>

namespace filesd {
namespace {

using http_syntax::AsciiLower;
using http_syntax::EqualsIgnoreCase;
using http_syntax::IsOws;
using http_syntax::IsTokenChar;
using http_syntax::SkipOws;
using http_syntax::TrimOws;

// The leading token of `s`, lower-cased, consumed; empty when `s` starts with no tchar.
std::string ReadLowerToken(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && IsTokenChar(s[n])) ++n;
  std::string out(s.substr(0, n));
  for (char& c : out) c = AsciiLower(c);
  s.remove_prefix(n);
  return out;
}

bool IsObsText(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
bool IsQdText(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c == '\t' || c == ' ' || u == 0x21 || (u >= 0x23 && u <= 0x5b) ||
         (u >= 0x5d && u <= 0x7e) || IsObsText(c);
}

// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
bool IsQuotableChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c == '\t' || c == ' ' || (u >= 0x21 && u <= 0x7e) || IsObsText(c);
}

// parameter-value = token / quoted-string; consumed, unquoted into `value`.
bool ReadParameterValue(std::string_view& s, std::string* value) {
  value->clear();
  if (s.empty()) return false;
  if (s.front() != '"') {
    size_t n = 0;
    while (n < s.size() && IsTokenChar(s[n])) ++n;
    if (n == 0) return false;
    value->assign(s.substr(0, n));
    s.remove_prefix(n);
    return true;
  }
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      s.remove_prefix(i + 1);
      return true;
    }
    if (c == '\\') {
      if (i + 1 >= s.size() || !IsQuotableChar(s[i + 1])) return false;
      value->push_back(s[++i]);
    } else if (IsQdText(c)) {
      value->push_back(c);
    } else {
      return false;
    }
  }
  return false;  // no closing quote
}

// Every occurrence of `want.name` in `sent` has `want`'s value; at least one exists.
bool HasParameter(const MediaType& sent, const MediaTypeParameter& want) {
  bool found = false;
  for (const MediaTypeParameter& p : sent.parameters) {
    if (p.name != want.name) continue;
    const bool equal =
        want.name == "charset" ? EqualsIgnoreCase(p.value, want.value) : p.value == want.value;
    if (!equal) return false;
    found = true;
  }
  return found;
}

}  // namespace

std::optional<MediaType> ParseMediaType(std::string_view value) {
  std::string_view s = TrimOws(value);
  MediaType out;
  out.type = ReadLowerToken(s);
  if (out.type.empty() || s.empty() || s.front() != '/') return std::nullopt;
  s.remove_prefix(1);
  out.subtype = ReadLowerToken(s);
  if (out.subtype.empty()) return std::nullopt;
  while (true) {
    SkipOws(s);
    if (s.empty()) return out;
    if (s.front() != ';') return std::nullopt;
    s.remove_prefix(1);
    SkipOws(s);
    if (s.empty() || s.front() == ';') continue;
    MediaTypeParameter p;
    p.name = ReadLowerToken(s);
    if (p.name.empty() || s.empty() || s.front() != '=') return std::nullopt;
    s.remove_prefix(1);
    if (!ReadParameterValue(s, &p.value)) return std::nullopt;
    out.parameters.push_back(std::move(p));
  }
}

bool MediaTypeSatisfies(std::string_view bound, std::string_view sent) {
  const std::optional<MediaType> want = ParseMediaType(bound);
  if (!want) return EqualsIgnoreCase(TrimOws(bound), TrimOws(sent));
  const std::optional<MediaType> got = ParseMediaType(sent);
  if (!got || got->type != want->type || got->subtype != want->subtype) return false;
  return std::all_of(want->parameters.begin(), want->parameters.end(),
                     [&](const MediaTypeParameter& p) { return HasParameter(*got, p); });
}

}  // namespace filesd
