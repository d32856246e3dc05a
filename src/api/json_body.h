// A body consumer for routes that take a small JSON object (API.md: "Bodies are JSON (UTF-8)").
//
// The body is collected up to a fixed limit (it is small by construction: an object of a few
// fields), parsed on OnEnd(), and handed to a callback that returns the response. Nothing is
// written anywhere before the whole body has arrived and parsed, so OnAbort() has nothing to undo.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <functional>
#include <memory>

#include "api/errors.h"
#include "api/http.h"
#include "api/request_context.h"

namespace filesd {

// Bodies larger than this are refused with 413.
inline constexpr size_t kMaxJsonBodyBytes = 64 * 1024;

// Runs on the blocking pool with the parsed body, after the whole body arrived.
using JsonObjectHandler = std::function<Response(const boost::json::object& body)>;

// The Dispatch for a JSON route: a 413 (in `ctx.envelope`) when the declared Content-Length is
// over kMaxJsonBodyBytes, else a consumer that collects the body and calls `handle`. An empty body
// is handed over as an empty object (so a missing field reads as missing, not as bad JSON); a body
// that is not one JSON object is answered 400 without calling `handle`. `handle` must copy what it
// needs from `ctx`: the context does not outlive Begin().
Dispatch JsonBodyDispatch(const RequestContext& ctx, JsonObjectHandler handle);

}  // namespace filesd
