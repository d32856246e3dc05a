// Api: the whole HTTP surface of filesd as a function of (request, services).
//
// Match() finds a request's route from its header; Begin() then authenticates, checks limits and
// runs the route's handler using the request header only, and returns either a complete response
// or a consumer for the body (see api/http.h). Begin() runs on the dispatch pool, or on the I/O
// thread itself when Match() says the route's work is short and bounded (MatchedRequest::inline_ok),
// which saves the two thread hops of a small request. The route table is in api/routes.cc, one
// screen long.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"
#include "api/http.h"
#include "api/services.h"

namespace filesd {

// A request matched against the route table by Api::Match(), to be handed to Api::Begin().
struct MatchedRequest {
  bool well_formed = false;   // the target parsed as an origin-form URL
  int route = -1;             // index in the route table; -1: no route answers (method, path)
  bool path_matched = false;  // some route has this path (tells a 405 from a 404)
  std::vector<std::string> segments;  // the decoded path segments
  std::vector<std::string> params;    // the decoded values of the route's {placeholders}
  std::multimap<std::string, std::string> query;
  // Begin() for this request does only short, bounded work that never waits on anything slow: at
  // most an authentication lookup and one metadata read by primary key, no disk I/O of blobs, no
  // write transaction (fsync), no scan whose length grows with the data. Then net/ may run it on
  // the I/O thread instead of the dispatch pool.
  bool inline_ok = false;
};

class Api {
 public:
  explicit Api(Services services) : services_(services) {}

  // Matches a request's method and target against the route table. Cheap, never blocks: CPU only.
  MatchedRequest Match(const RequestHead& head) const;

  // Decides what to do with a request. Blocking (see MatchedRequest::inline_ok for when it is
  // short). Never throws. `matched` is Match(head).
  Dispatch Begin(const RequestHead& head, MatchedRequest matched);
  Dispatch Begin(const RequestHead& head) { return Begin(head, Match(head)); }

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
