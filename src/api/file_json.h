// JSON renderings of files: the file object of API.md section 2 and the list envelope.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "meta/records.h"

namespace filesd {

// The file object with every field of API.md section 2.
boost::json::object FileObject(const FileRecord& file);

// The upload object of API.md section 5 (answer of POST /v1/uploads, complete and cancel): OpenAI's
// Upload (`id`, `object: "upload"`, `bytes`, `created_at`, `expires_at`, `filename`, `purpose`,
// `status`, `file`) with the seed's session fields (`file_id`, `size`, `updated_at`) and the
// `mime_type` given at creation. Its status
// follows from the session's file row: `cancelled` once deleted, `pending` while it is open
// (`expired` when its expiry is past `now`), `completed` once closed; `file` is the finished file
// object (as GET /v1/files/{id} answers it) when completed, else null.
boost::json::object UploadObject(const FileRecord& session, int64_t now);

// {"object":"list","data":[...],"total","has_more","first_id","last_id"}.
boost::json::object FileListObject(const FileList& list);

}  // namespace filesd
