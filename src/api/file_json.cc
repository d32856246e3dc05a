#include "api/file_json.h"

#include <boost/json.hpp>
#include <charconv>

#include "base/json_string.h"

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

// ---- text rendering, as boost::json::serialize() writes it ----

void AppendString(std::string& out, std::string_view s) { AppendJsonString(out, s); }

template <typename Int>
void AppendInt(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void AppendStringOrNull(std::string& out, const std::optional<std::string>& s) {
  if (s) {
    AppendString(out, *s);
  } else {
    out.append("null", 4);
  }
}

void AppendIntOrNull(std::string& out, const std::optional<int64_t>& v) {
  if (v) {
    AppendInt(out, *v);
  } else {
    out.append("null", 4);
  }
}

// `"key":` (keys are literals that need no escaping).
void AppendKey(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out.append("\":", 2);
}

// The stored metadata re-serialized as FileObject() does (parsed, then written compactly), or null
// when absent or not JSON. Parsing uses a stack buffer first, so a small object costs no allocation.
void AppendMetadata(std::string& out, const std::optional<std::string>& text) {
  if (!text) {
    out.append("null", 4);
    return;
  }
  unsigned char buffer[4096];
  boost::json::monotonic_resource resource(buffer, sizeof buffer);
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(*text, ec, &resource);
  if (ec) {
    out.append("null", 4);
    return;
  }
  boost::json::serializer serializer;
  serializer.reset(&value);
  char chunk[4096];
  while (!serializer.done()) out.append(serializer.read(chunk));
}

}  // namespace

void AppendFileJson(std::string& out, const FileRecord& f) {
  AppendKey(out.append("{", 1), "id");
  AppendString(out, f.id);
  out.append(",\"object\":\"file\",\"bytes\":");
  AppendInt(out, f.bytes);
  AppendKey(out.append(",", 1), "created_at");
  AppendInt(out, f.created_at);
  AppendKey(out.append(",", 1), "updated_at");
  AppendInt(out, f.updated_at);
  AppendKey(out.append(",", 1), "expires_at");
  AppendIntOrNull(out, f.expires_at);
  AppendKey(out.append(",", 1), "filename");
  AppendString(out, f.filename);
  AppendKey(out.append(",", 1), "purpose");
  AppendString(out, f.purpose);
  AppendKey(out.append(",", 1), "status");
  AppendString(out, FileStatusName(f.status));
  AppendKey(out.append(",", 1), "status_details");
  AppendStringOrNull(out, f.status_details);
  AppendKey(out.append(",", 1), "mime_type");
  AppendString(out, f.mime_type);
  AppendKey(out.append(",", 1), "sha256");
  AppendStringOrNull(out, f.sha256);
  AppendKey(out.append(",", 1), "file_id");
  AppendString(out, f.id);
  AppendKey(out.append(",", 1), "size");
  AppendInt(out, f.bytes);
  AppendKey(out.append(",", 1), "processed_at");
  AppendIntOrNull(out, f.processed_at);
  AppendKey(out.append(",", 1), "metadata");
  AppendMetadata(out, f.metadata_json);
  AppendKey(out.append(",", 1), "processing_summary");
  AppendStringOrNull(out, f.processing_summary);
  out.push_back('}');
}

void AppendFileListJson(std::string& out, const FileList& list) {
  out.append("{\"object\":\"list\",\"data\":[");
  for (size_t i = 0; i < list.files.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendFileJson(out, list.files[i]);
  }
  out.append("],\"total\":");
  AppendInt(out, list.total);
  out.append(list.has_more ? ",\"has_more\":true" : ",\"has_more\":false");
  AppendKey(out.append(",", 1), "first_id");
  if (list.files.empty()) {
    out.append("null,\"last_id\":null}");
    return;
  }
  AppendString(out, list.files.front().id);
  AppendKey(out.append(",", 1), "last_id");
  AppendString(out, list.files.back().id);
  out.push_back('}');
}

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
