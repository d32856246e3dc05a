// CORS (API.md section 8): browsers from the configured origins (ApiOptions::cors_origins, flag
// --cors-origins) may call the API and PUT to signed upload URLs. Responses to an allowed Origin
// carry Access-Control-Allow-Origin and friends; a preflight OPTIONS on any route needs no key. A
// disallowed or missing Origin gets no CORS header at all, so the browser blocks the call.
#pragma once

#include <string_view>

#include "api/http.h"
#include "api/services.h"

namespace filesd {

// True when `origin` is one of the configured origins (exact match).
bool CorsOriginAllowed(const ApiOptions& options, std::string_view origin);

// Adds Access-Control-Allow-Origin, Vary and Access-Control-Expose-Headers to `res` when the
// request's Origin is allowed. Called for every response.
void AddCorsHeaders(const ApiOptions& options, const http::request_header<>& req,
                    http::response_header<>& res);

// The 204 answer to a preflight OPTIONS on a path that allows `methods` (its whole list, e.g.
// "GET, HEAD, DELETE, OPTIONS"). With an allowed Origin it carries Allow-Methods (`methods`),
// Allow-Headers and Max-Age; otherwise nothing.
Response CorsPreflight(const ApiOptions& options, const http::request_header<>& req,
                       std::string_view methods);

}  // namespace filesd
