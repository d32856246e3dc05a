// expires_after (OpenAI's shape, API.md sections 3 and 8): a file's own time to live, accepted on
// every creating route. `{"anchor":"created_at","seconds":N}` with N from 3600 to 2592000 (one hour
// to 30 days): the file, content included, is gone N seconds after it was created (the metadata
// store hides it from then on; the janitor purges it).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "upload/upload_checks.h"

namespace filesd {

inline constexpr int64_t kMinExpiresAfterSeconds = 3600;
inline constexpr int64_t kMaxExpiresAfterSeconds = 2592000;

// The seconds of a JSON `expires_after`: the object form, or a bare integer. kInvalidArgument
// (param "expires_after") for anything else.
Result<int64_t> ExpiresAfterSeconds(const boost::json::value& v);

// The seconds of the multipart form fields `expires_after[anchor]` (optional, "created_at") and
// `expires_after[seconds]`. kInvalidArgument naming the bad field.
Result<int64_t> ExpiresAfterSecondsFromForm(const std::optional<std::string>& anchor,
                                            const std::optional<std::string>& seconds);

// ExpiryFromCreation() is upload/upload_checks.h's.

}  // namespace filesd
