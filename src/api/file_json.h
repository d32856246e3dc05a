// JSON renderings of files: the file object of API.md section 2 and the list envelope.
//
// Two forms: Boost.JSON objects (FileObject, UploadObject, FileListObject), to embed or edit, and
// the same objects written straight to text (AppendFileJson, AppendFileListJson) for the hot GET
// routes: no document is built, each string is escaped once into the output. The text is byte for
// byte what boost::json::serialize() makes of the object form (tests/unit/api/file_json_test.cc
// holds the two together).
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

// Appends serialize(FileObject(file)) to `out`.
void AppendFileJson(std::string& out, const FileRecord& file);

// Appends serialize(FileListObject(list)) to `out`.
void AppendFileListJson(std::string& out, const FileList& list);

}  // namespace filesd
