// The body consumer of POST /v1/files: streams the `file` part of a multipart/form-data body into a
// fresh blob (hashing as it goes), collects the small text fields (`purpose`, `expires_after[...]`),
// and on the end of the body validates them, commits the blob and creates the file row in one
// transaction, then hands the file to the analyzer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "api/http.h"
#include "api/request_context.h"

namespace filesd {

// Builds the consumer after checking the Content-Type (boundary) from the header alone.
// kInvalidArgument if the request is not multipart/form-data with a valid boundary.
// `quota_bytes_left`: the project's remaining byte quota (API.md section 8); the upload fails with
// 429 storage_quota_exceeded as soon as the file part passes it, and the quotas are checked again
// just before the file row is created.
Result<std::unique_ptr<BodyConsumer>> NewMultipartUpload(
    const RequestContext& ctx, std::optional<uint64_t> quota_bytes_left = std::nullopt);

}  // namespace filesd
