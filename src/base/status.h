// Status and Result<T>: the one error vocabulary of filesd.
//
// A code says what the caller should do next (fix the input, look elsewhere, retry later); `reason` is a
// stable snake_case string clients may match on (listed in docs/errors.md); `message` is a human sentence
// safe to show to the client. Internal causes (paths, errno, SQL) are logged, never put in a Status that
// reaches a client. No exception crosses a module boundary: adapters over throwing libraries convert.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace filesd {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // 400: the request is wrong; `message` names the field.
  kUnauthenticated,     // 401: no credentials.
  kPermissionDenied,    // 403: credentials (or a signature) present but not valid.
  kNotFound,            // 404: unknown id, or not visible to this project.
  kConflict,            // 409: the resource is not in a state that allows the call.
  kPayloadTooLarge,     // 413: body, part or chunk over its limit.
  kRangeNotSatisfiable, // 416: Range header that cannot be served.
  kResourceExhausted,   // 429: quota exceeded.
  kInternal,            // 500: a bug or an unexpected failure; details are in the log only.
  kUnavailable,         // 503: a backing store is unreachable; retrying later may work.
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string reason = {})
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Stable machine-readable reason (e.g. "missing_api_key"); empty means "use the code's default".
  const std::string& reason() const { return reason_; }
  // The query parameter or body field at fault, when there is one.
  const std::optional<std::string>& param() const { return param_; }
  Status&& WithParam(std::string param) && {
    param_ = std::move(param);
    return std::move(*this);
  }

  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
  std::optional<std::string> param_;
};

// Short constructors, so call sites read as the decision they make.
inline Status InvalidArgument(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(msg), std::move(reason));
}
inline Status NotFound(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kNotFound, std::move(msg), std::move(reason));
}
inline Status Conflict(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kConflict, std::move(msg), std::move(reason));
}
inline Status Internal(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kInternal, std::move(msg), std::move(reason));
}
inline Status Unavailable(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kUnavailable, std::move(msg), std::move(reason));
}
inline Status PayloadTooLarge(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kPayloadTooLarge, std::move(msg), std::move(reason));
}

std::string_view StatusCodeName(StatusCode code);

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {     // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) std::abort();      // an OK status carries no value: programmer error
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  Status TakeStatus() && { return ok() ? Status() : std::get<Status>(std::move(v_)); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace filesd

// Propagates a non-OK Status out of the enclosing function (which returns Status or Result<U>).
#define FILESD_RETURN_IF_ERROR(expr)                         \
  do {                                                       \
    ::filesd::Status filesd_status_ = (expr);                \
    if (!filesd_status_.ok()) return filesd_status_;         \
  } while (0)

#define FILESD_CONCAT_INNER_(a, b) a##b
#define FILESD_CONCAT_(a, b) FILESD_CONCAT_INNER_(a, b)
// Declares `lhs` from a Result's value, or returns its Status.
#define FILESD_ASSIGN_OR_RETURN(lhs, expr)                                      \
  auto FILESD_CONCAT_(filesd_result_, __LINE__) = (expr);                       \
  if (!FILESD_CONCAT_(filesd_result_, __LINE__).ok())                           \
    return std::move(FILESD_CONCAT_(filesd_result_, __LINE__)).TakeStatus();    \
  lhs = std::move(FILESD_CONCAT_(filesd_result_, __LINE__)).value()

// Aborts on a broken internal invariant. Never used on anything a client can influence.
#define FILESD_CHECK(cond)                                                                   \
  do {                                                                                       \
    if (!(cond)) ::filesd::internal::CheckFailed(#cond, __FILE__, __LINE__);                 \
  } while (0)

namespace filesd::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}
