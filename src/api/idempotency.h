// Idempotency-Key on the creating POSTs (API.md section 8), around the route's own handler.
//
// For a request carrying the header, per project and key, for 24 hours:
//  * The first request claims the key and runs the route. A 2xx answer is recorded with the
//    request's fingerprint (api/request_fingerprint.h); any other outcome releases the claim, so a
//    retry runs the route again (a failed request created nothing).
//  * A repeat with the same fingerprint after that answer gets the recorded answer again, marked
//    `Idempotent-Replayed: true`. The route does not run: nothing is created and no byte of the
//    body is stored (it is read only to compute the fingerprint).
//  * A repeat with a different fingerprint is 409 `idempotency_key_reused`.
//  * A repeat while the first is still running is 409 `idempotency_key_in_use` with Retry-After;
//    so of racing identical requests exactly one runs the route.
//  * A claim whose server instance is gone (its liveness lease lapsed or ended:
//    coord/instance_liveness.h) is taken over by the next request with the key; the claim of a
//    live instance is left to it (409 as above). For a route that creates one file, the claim reserved that file's id
//    (RequestContext::reserved_file_id): if the dead process created the file, the request answers
//    it (and records that answer) instead of creating a second one; otherwise it runs the route.
// Without the header, the route runs unchanged.
#pragma once

#include <string_view>

#include "api/request_context.h"
#include "api/request_fingerprint.h"

namespace filesd {

inline constexpr int64_t kIdempotencyKeySeconds = 24 * 3600;
inline constexpr size_t kMaxIdempotencyKeyBytes = 255;

using RouteHandler = Dispatch (*)(RequestContext&);

struct IdempotentRoute {
  std::string_view name;  // part of the fingerprint
  BodyKind body;          // how its body is read
  RouteHandler handler;
  // For a route that creates one file and answers it: that answer for a given file. Set, the
  // claim reserves the file's id (see above).
  Response (*answer_for_file)(const FileRecord&) = nullptr;
};

// Runs `route.handler` for `ctx` under the Idempotency-Key rules.
Dispatch RunIdempotently(RequestContext& ctx, const IdempotentRoute& route);

}  // namespace filesd
