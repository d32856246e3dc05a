#include "base/redact.h"

#include <array>
#include <cctype>

namespace filesd {
namespace {

constexpr std::string_view kRedacted = "REDACTED";

// Lowercase names of the query parameters whose values are credentials.
constexpr std::array<std::string_view, 9> kSecretNames = {
    "sig", "signature", "token", "access_token", "api_key", "key",
    "x-amz-signature", "x-amz-credential", "x-amz-security-token"};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The parameter name as a server would read it: percent-decoded ('+' is a space), lowercased.
std::string NormalizedName(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size() && HexValue(raw[i + 1]) >= 0 &&
        HexValue(raw[i + 2]) >= 0) {
      c = static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool IsSecretName(std::string_view raw_name) {
  const std::string name = NormalizedName(raw_name);
  for (std::string_view secret : kSecretNames) {
    if (name == secret) return true;
  }
  return false;
}

}  // namespace

std::string RedactUrlSecrets(std::string_view url) {
  const size_t query_start = url.find('?');
  if (query_start == std::string_view::npos) return std::string(url);
  const size_t fragment = url.find('#', query_start);
  const size_t query_end = fragment == std::string_view::npos ? url.size() : fragment;

  std::string out(url.substr(0, query_start + 1));
  out.reserve(url.size());
  size_t pos = query_start + 1;
  for (;;) {
    size_t end = url.find('&', pos);
    if (end == std::string_view::npos || end > query_end) end = query_end;
    const std::string_view param = url.substr(pos, end - pos);
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && eq + 1 < param.size() && IsSecretName(param.substr(0, eq))) {
      out += param.substr(0, eq + 1);
      out += kRedacted;
    } else {
      out += param;
    }
    if (end == query_end) break;
    out += '&';
    pos = end + 1;
  }
  out += url.substr(query_end);
  return out;
}

}  // namespace filesd
