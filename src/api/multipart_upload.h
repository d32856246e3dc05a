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
#include "upload/quota.h"
#include "api/request_context.h"
#include "meta/records.h"

namespace filesd {

// Builds the consumer after checking the Content-Type (boundary) from the header alone.
// kInvalidArgument if the request is not multipart/form-data with a valid boundary.
// `quota`: the project's usage and quotas at the start (API.md section 8); the upload fails with
// 429 storage_quota_exceeded as soon as the file part passes the room left (the metadata store
// applies the quotas again when it creates the row). The file gets `ctx.reserved_file_id` if set.
Result<std::unique_ptr<BodyConsumer>> NewMultipartUpload(const RequestContext& ctx,
                                                         QuotaState quota);

// The answer of POST /v1/files for the file it created: 200 with the file object.
Response CreatedFileAnswer(const FileRecord& file);

}  // namespace filesd
