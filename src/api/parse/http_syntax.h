// The small pieces of RFC 9110 syntax that the header parsers of this folder share (multipart
// part headers, media types): ASCII case folding, optional whitespace, token characters.
// Pure functions over bytes; no allocation; thread-safe.
#pragma once

#include <cstring>
#include <string_view>

namespace filesd::http_syntax {

inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Equal but for the case of ASCII letters.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// OWS: space or horizontal tab.
inline bool IsOws(char c) { return c == ' ' || c == '\t'; }

inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

inline void SkipOws(std::string_view& s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
}

// tchar.
inline bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

}  // namespace filesd::http_syntax
