// Api: the whole HTTP surface of filesd as a function of (request, services).
//
// Begin() runs on the dispatch pool: it authenticates, routes and checks limits using the request
// header only, and returns either a complete response or a consumer for the body (see api/http.h).
// The route table is in api/routes.cc, one screen long.
#pragma once

#include <string_view>

#include "api/errors.h"
#include "api/http.h"
#include "api/services.h"

namespace filesd {

class Api {
 public:
  explicit Api(Services services) : services_(services) {}

  // Decides what to do with a request. Blocking. Never throws.
  Dispatch Begin(const RequestHead& head);

  // The response for a request the network layer refuses on its own (header too large, body over
  // its limit, bad framing, a consumer error mid-body), in the envelope of the route the target
  // names (any method; the OpenAI envelope when it names none).
  Response RejectFromNetwork(std::string_view target, const Status& status) const;

  // Adds what every response to `head` carries besides X-Request-Id (CORS headers, api/cors.h),
  // and makes the answer to a HEAD request header-only (Response::head_only), so HEAD works
  // wherever GET does, errors included. Called by net/ just before a response is written.
  void FinishResponse(const RequestHead& head, Response& response) const;

 private:
  Services services_;
};

}  // namespace filesd
