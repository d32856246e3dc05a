#include "api/file_json.h"

#include <boost/json.hpp>

namespace filesd {
namespace {

template <typename T>
boost::json::value OrNull(const std::optional<T>& v) {
  if (!v) return nullptr;
  return boost::json::value(*v);
}

// The fields the file and the upload object share, in their order: id, object, bytes, times,
// filename, purpose.
boost::json::object ObjectHead(const FileRecord& f, std::string_view object) {
  boost::json::object o;
  o["id"] = f.id;
  o["object"] = object;
  o["bytes"] = f.bytes;
  o["created_at"] = f.created_at;
  o["updated_at"] = f.updated_at;
  o["expires_at"] = OrNull(f.expires_at);
  o["filename"] = f.filename;
  o["purpose"] = f.purpose;
  return o;
}

}  // namespace

boost::json::object FileObject(const FileRecord& f) {
  boost::json::object o = ObjectHead(f, "file");
  o["status"] = FileStatusName(f.status);
  o["status_details"] = OrNull(f.status_details);
  o["mime_type"] = f.mime_type;
  o["sha256"] = OrNull(f.sha256);
  o["file_id"] = f.id;
  o["size"] = f.bytes;
  o["processed_at"] = OrNull(f.processed_at);
  if (f.metadata_json) {
    boost::system::error_code ec;
    boost::json::value metadata = boost::json::parse(*f.metadata_json, ec);
    o["metadata"] = ec ? boost::json::value(nullptr) : std::move(metadata);
  } else {
    o["metadata"] = nullptr;
  }
  o["processing_summary"] = OrNull(f.processing_summary);
  return o;
}

boost::json::object UploadObject(const FileRecord& f, int64_t now) {
  const char* status = "completed";
  if (f.deleted_at) {
    status = "cancelled";
  } else if (f.status == FileStatus::kUploading) {
    status = f.expires_at && *f.expires_at <= now ? "expired" : "pending";
  }
  boost::json::object o = ObjectHead(f, "upload");
  o["status"] = status;
  o["mime_type"] = f.mime_type;
  o["file_id"] = f.id;
  o["size"] = f.bytes;
  o["file"] = status == std::string_view("completed") ? boost::json::value(FileObject(f))
                                                      : boost::json::value(nullptr);
  return o;
}

boost::json::object FileListObject(const FileList& list) {
  boost::json::object o;
  o["object"] = "list";
  boost::json::array data;
  data.reserve(list.files.size());
  for (const FileRecord& f : list.files) data.push_back(FileObject(f));
  o["data"] = std::move(data);
  o["total"] = list.total;
  o["has_more"] = list.has_more;
  if (list.files.empty()) {
    o["first_id"] = nullptr;
    o["last_id"] = nullptr;
  } else {
    o["first_id"] = list.files.front().id;
    o["last_id"] = list.files.back().id;
  }
  return o;
}

}  // namespace filesd
