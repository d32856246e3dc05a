#include "api/cors.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace filesd {
namespace {

// Request headers a browser may send; always allowed: the first three.
constexpr std::array<std::string_view, 6> kAllowedHeaders = {
    "Authorization", "Content-Type", "Idempotency-Key", "Range", "If-None-Match", "If-Range"};

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// The allowed origin of the request, or empty.
std::string_view AllowedOrigin(const ApiOptions& options, const http::request_header<>& req) {
  auto it = req.find(http::field::origin);
  if (it == req.end()) return {};
  std::string_view origin = it->value();
  return CorsOriginAllowed(options, origin) ? origin : std::string_view();
}

}  // namespace

bool CorsOriginAllowed(const ApiOptions& options, std::string_view origin) {
  if (origin.empty()) return false;
  return std::find(options.cors_origins.begin(), options.cors_origins.end(), origin) !=
         options.cors_origins.end();
}

void AddCorsHeaders(const ApiOptions& options, const http::request_header<>& req,
                    http::response_header<>& res) {
  std::string_view origin = AllowedOrigin(options, req);
  if (origin.empty()) return;
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::vary, "Origin");
  res.set(http::field::access_control_expose_headers,
          "ETag, X-Request-Id, Content-Disposition, Content-Range, Idempotent-Replayed");
}

Response CorsPreflight(const ApiOptions& options, const http::request_header<>& req,
                       std::string_view methods) {
  Response r;
  r.header.result(http::status::no_content);
  if (AllowedOrigin(options, req).empty()) return r;
  r.header.set(http::field::access_control_allow_methods, methods);
  std::string headers = "Authorization, Content-Type, Idempotency-Key";
  if (auto it = req.find(http::field::access_control_request_headers); it != req.end()) {
    std::string_view asked = it->value();
    size_t pos = 0;
    while (pos <= asked.size()) {
      size_t end = asked.find(',', pos);
      if (end == std::string_view::npos) end = asked.size();
      std::string_view name = Trim(asked.substr(pos, end - pos));
      for (size_t i = 3; i < kAllowedHeaders.size(); ++i) {
        if (IEquals(name, kAllowedHeaders[i]) &&
            headers.find(kAllowedHeaders[i]) == std::string::npos) {
          headers += ", ";
          headers += kAllowedHeaders[i];
        }
      }
      pos = end + 1;
    }
  }
  r.header.set(http::field::access_control_allow_headers, headers);
  r.header.set(http::field::access_control_max_age, "600");
  return r;
}

}  // namespace filesd
