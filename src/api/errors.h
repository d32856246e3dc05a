// The one mapping from Status to HTTP: status codes and the two error envelopes of API.md
// section 1. docs/errors.md lists the reasons; tests/unit/api/errors_test.cc walks every code.
#pragma once

#include <string>

#include "api/http.h"
#include "base/status.h"

namespace filesd {

// Which JSON shape a route family answers errors in.
enum class ErrorEnvelope {
  kOpenAi,     // {"error":{"message","type","param","code"}}
  kPresigned,  // {"success":false,"error":"...","message":"...","code":"..."} (message, code optional)
};

http::status HttpStatusFor(StatusCode code);

// The default stable reason of a code, used when a Status carries none ("not_found", ...).
std::string DefaultReason(StatusCode code);

// The Status as a client may see it: 500 and 503 messages are replaced by fixed texts (the
// original is logged), every other status is returned unchanged.
Status ClientVisible(const Status& status);

// A complete JSON error response for `status` in `envelope`, with ClientVisible() applied.
// The status must not be OK.
Response ErrorResponse(const Status& status, ErrorEnvelope envelope);

}  // namespace filesd
