// Checks and errors every upload flow (and the routes that read files) share, so each is written
// once. Error messages repeat an id the client sent only when it is well-formed (a UUID), so they
// never reflect arbitrary client bytes.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace filesd {

// 404 file_not_found, param `param`: "No such file: <id>" for a UUID, "No such file" otherwise.
Status NoSuchFile(std::string_view id, std::string_view param = "file_id");

// 413 file_too_large: content over the server's size limit of `limit` bytes.
Status FileTooLarge(uint64_t limit);

// 400 for a purpose IsKnownPurpose() (meta/records.h) refuses, param "purpose"; lists the known ones.
Status UnknownPurpose();
// OK for a known purpose, else UnknownPurpose().
Status CheckPurpose(std::string_view purpose);

// created_at + seconds, or kInvalidArgument (param "expires_after") when that is not after `now`:
// a file that would be expired on arrival is refused rather than silently gone.
Result<int64_t> ExpiryFromCreation(int64_t created_at, int64_t seconds, int64_t now);

}  // namespace filesd
