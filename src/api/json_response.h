// The one renderer of JSON response bodies. Every JSON answer of the API, results and errors of
// both envelopes, is built here, so they all look alike: `Content-Type: application/json`, the
// compact serialization of one object, and a final newline (so `curl -s` output ends its line and
// the shell prompt starts on a fresh one). Idempotency replays (api/idempotency.h) send the stored
// bytes of the first answer, so they end alike too.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "api/http.h"

namespace filesd {

Response JsonResponse(http::status status, const boost::json::object& body);

// 200 OK.
inline Response JsonResponse(const boost::json::object& body) {
  return JsonResponse(http::status::ok, body);
}

// 200 OK with `json`, the compact text of one object rendered by the caller (e.g. file_json.h's
// Append* functions, which write what serialize() would); the final newline is added here.
Response JsonTextResponse(std::string json);

// A JSON answer whose bytes were rendered by JsonResponse() earlier and stored (an Idempotency-Key
// replay): the same header, the same bytes.
Response StoredJsonResponse(unsigned status, std::string body);

}  // namespace filesd
