#include "api/errors.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "api/json_response.h"
#include "upload/presigned_uploads.h"

namespace filesd {

http::status HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return http::status::ok;
    case StatusCode::kInvalidArgument: return http::status::bad_request;
    case StatusCode::kUnauthenticated: return http::status::unauthorized;
    case StatusCode::kPermissionDenied: return http::status::forbidden;
    case StatusCode::kNotFound: return http::status::not_found;
    case StatusCode::kConflict: return http::status::conflict;
    case StatusCode::kPayloadTooLarge: return http::status::payload_too_large;
    case StatusCode::kRangeNotSatisfiable: return http::status::range_not_satisfiable;
    case StatusCode::kResourceExhausted: return http::status::too_many_requests;
    case StatusCode::kInternal: return http::status::internal_server_error;
    case StatusCode::kUnavailable: return http::status::service_unavailable;
  }
  return http::status::internal_server_error;
}

std::string DefaultReason(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_request";
    case StatusCode::kUnauthenticated: return "missing_api_key";
    case StatusCode::kPermissionDenied: return "invalid_api_key";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kConflict: return "conflict";
    case StatusCode::kPayloadTooLarge: return "payload_too_large";
    case StatusCode::kRangeNotSatisfiable: return "range_not_satisfiable";
    case StatusCode::kResourceExhausted: return "quota_exceeded";
    case StatusCode::kInternal: return "internal_error";
    case StatusCode::kUnavailable: return "store_unavailable";
  }
  return "internal_error";
}

namespace {

// The pre-signed envelope's short `error` texts that the seed fixes, by code and reason. The
// detail goes to `message` and the reason to `code`. A status not listed here shows its message
// as `error`.
struct SeedWords {
  StatusCode code;
  std::string_view reason;  // empty: any reason of this code
  std::string_view error;
};
constexpr SeedWords kSeedWords[] = {
    {StatusCode::kInvalidArgument, kReasonFileTooLarge, kRefusalWords[1].words},
    {StatusCode::kInvalidArgument, kReasonInvalidFileType, kRefusalWords[0].words},
    {StatusCode::kInvalidArgument, kReasonFileSizeMismatch, "File size mismatch"},
    {StatusCode::kInvalidArgument, kReasonChecksumMismatch, "Checksum mismatch"},
    {StatusCode::kNotFound, "file_not_found", "File not found"},
    {StatusCode::kNotFound, kReasonFileNotInStorage, "File not found in storage"},
    {StatusCode::kConflict, kReasonFileProcessing, "File is being processed"},
    {StatusCode::kResourceExhausted, "", "Storage quota exceeded"},
    {StatusCode::kInternal, kReasonProcessingFailed, "Processing failed"},
};
static_assert(kRefusalWords[0].reason == kReasonInvalidFileType &&
              kRefusalWords[1].reason == kReasonFileTooLarge);

const SeedWords* SeedWordsFor(const Status& status) {
  for (const SeedWords& w : kSeedWords) {
    if (w.code == status.code() && (w.reason.empty() || w.reason == status.reason())) return &w;
  }
  return nullptr;
}

boost::json::object PresignedBody(const Status& status) {
  boost::json::object o;
  o["success"] = false;
  // The seed's fixed wording for authentication failures (no `code`, as the seed).
  if (status.code() == StatusCode::kUnauthenticated) {
    o["error"] = "Authentication required";
    o["message"] = "API key must be provided in Authorization header";
    return o;
  }
  if (status.code() == StatusCode::kPermissionDenied &&
      (status.reason() == "invalid_api_key" || status.reason().empty())) {
    o["error"] = "Invalid API key";
    o["message"] = "The provided API key is invalid, inactive, or expired";
    return o;
  }
  if (const SeedWords* words = SeedWordsFor(status)) {
    o["error"] = words->error;
    if (!status.message().empty()) o["message"] = status.message();
  } else {
    o["error"] = status.message();
  }
  // The machine-readable reason, as the OpenAI envelope's `code` (an addition to the seed's shape,
  // which clients that read only `error` ignore).
  if (!status.reason().empty()) o["code"] = status.reason();
  return o;
}

boost::json::object OpenAiBody(const Status& status) {
  const bool server_side = status.code() == StatusCode::kInternal ||
                           status.code() == StatusCode::kUnavailable;
  boost::json::object err;
  err["message"] = status.message();
  err["type"] = server_side ? "server_error" : "invalid_request_error";
  if (status.param()) {
    err["param"] = *status.param();
  } else {
    err["param"] = nullptr;
  }
  err["code"] = status.reason().empty() ? DefaultReason(status.code()) : status.reason();
  boost::json::object o;
  o["error"] = std::move(err);
  return o;
}

}  // namespace

Status ClientVisible(const Status& status) {
  // Server-side failures carry internal causes (paths, errno, SQL): log them, send a fixed text.
  switch (status.code()) {
    case StatusCode::kInternal:
      // A failed analysis: the message is the file's status_details, which the client can read.
      if (status.reason() == kReasonProcessingFailed) return status;
      spdlog::error("internal error: {}", status.ToString());
      return Status(status.code(), "The server had an internal error; details are in its log.",
                    status.reason());
    case StatusCode::kUnavailable:
      if (status.reason() == "shutting_down") return status;  // a fixed text, nothing internal
      spdlog::warn("store unavailable: {}", status.ToString());
      return Status(status.code(), "A backing store is unavailable; retry later.",
                    status.reason());
    default:
      return status;
  }
}

Response ErrorResponse(const Status& original, ErrorEnvelope envelope) {
  FILESD_CHECK(!original.ok());
  const Status status = ClientVisible(original);
  return JsonResponse(HttpStatusFor(status.code()), envelope == ErrorEnvelope::kPresigned
                                                        ? PresignedBody(status)
                                                        : OpenAiBody(status));
}

}  // namespace filesd
