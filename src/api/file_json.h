// JSON renderings of files: the file object of API.md section 2 and the list envelope.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "meta/records.h"

namespace filesd {

// The file object with every field of API.md section 2. `object_type` is "file", or "upload" for
// upload sessions.
boost::json::object FileObject(const FileRecord& file, std::string_view object_type = "file");

// {"object":"list","data":[...],"total","has_more","first_id","last_id"}.
boost::json::object FileListObject(const FileList& list);

}  // namespace filesd
