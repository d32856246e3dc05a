// RequestContext: what a route handler receives: the request head, the services, the decoded path
// parameters and query, and the authenticated project.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"
#include "api/http.h"
#include "api/services.h"

namespace filesd {

struct RequestContext {
  RequestContext(const RequestHead& h, const Services& s) : head(h), services(s) {}

  const RequestHead& head;
  const Services& services;
  ErrorEnvelope envelope = ErrorEnvelope::kOpenAi;
  std::vector<std::string> params;             // decoded values of the {placeholders}, in order
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::string project_id;                      // empty on routes without auth
  int64_t now = 0;                             // Unix seconds, read once per request
  // The id a file-creating route must give the file it creates, when Idempotency-Key reserved one
  // (api/idempotency.h); otherwise the route picks a new one.
  std::optional<std::string> reserved_file_id;

  // The first value of query parameter `name`, if present.
  std::optional<std::string> QueryValue(std::string_view name) const;
  // A complete error response in this route's envelope.
  Response Error(const Status& status) const { return ErrorResponse(status, envelope); }
};

}  // namespace filesd
