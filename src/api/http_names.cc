#include "api/http_names.h"

#include <algorithm>
#include <cctype>

namespace filesd {
namespace {

bool IsPlainAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%';
  });
}

bool IsAttrChar(unsigned char c) {  // RFC 5987 attr-char
  return std::isalnum(c) || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

}  // namespace

std::string ContentDispositionAttachment(std::string_view filename) {
  std::string out = "attachment; filename=\"";
  for (char c : filename) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') ? c : '_';
  }
  out += '"';
  if (!IsPlainAscii(filename)) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += "; filename*=UTF-8''";
    for (char c : filename) {
      const auto u = static_cast<unsigned char>(c);
      if (IsAttrChar(u)) {
        out += c;
      } else {
        out += '%';
        out += kHex[u >> 4];
        out += kHex[u & 0xf];
      }
    }
  }
  return out;
}

}  // namespace filesd
