// Sessions: create, cancel and reading an open session. Appends are session_append.cc, parts
// session_parts.cc, complete session_complete.cc; what they share is session_state.h.
#include "upload/sessions.h"

#include <algorithm>

#include "base/crypto.h"
#include "blob/concatenated_reader.h"
#include "upload/file_names.h"
#include "upload/session_state.h"
#include "upload/upload_checks.h"

namespace filesd {

using namespace session_state;

namespace {

bool IsMediaType(std::string_view v) {
  return !v.empty() && v.size() <= 255 && std::none_of(v.begin(), v.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

}  // namespace

Result<FileRecord> Sessions::Create(const NewSession& req) const {
  FILESD_RETURN_IF_ERROR(ValidateFilename(req.filename, "filename"));
  FILESD_RETURN_IF_ERROR(CheckPurpose(req.purpose));
  if (req.declared_bytes > deps_.limits.max_file_bytes) {
    return PayloadTooLarge("bytes is larger than the file size limit of " +
                               std::to_string(deps_.limits.max_file_bytes) + " bytes",
                           "file_too_large")
        .WithParam("bytes");
  }
  if (req.mime_type && !IsMediaType(*req.mime_type)) {
    return InvalidArgument("mime_type must be a media type string").WithParam("mime_type");
  }
  // Quotas: the declared size must fit from the start (CreateFile checks the file count again).
  FILESD_ASSIGN_OR_RETURN(QuotaState quota, LoadQuotaState(*deps_.meta, req.project_id, req.now));
  FILESD_RETURN_IF_ERROR(quota.CheckNewFile(req.declared_bytes));
  FileRecord f;
  f.id = NewUuidV4();
  f.project_id = req.project_id;
  f.filename = req.filename;
  f.purpose = req.purpose;
  f.mime_type = req.mime_type ? *req.mime_type : MediaTypeForFilename(f.filename);
  f.bytes = 0;
  f.status = FileStatus::kUploading;
  f.blob_key = "";  // no content blob until complete composes one
  f.created_at = f.updated_at = req.now;
  f.expires_at = req.now + req.expires_after_seconds.value_or(deps_.limits.session_ttl_seconds);
  FILESD_RETURN_IF_ERROR(deps_.meta->CreateFile(f));
  return f;
}

Result<FileRecord> Sessions::Cancel(const std::string& project_id, const std::string& id) const {
  const int64_t now = deps_.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(FileRecord f, Load(deps_, project_id, id, now));
  if (f.status != FileStatus::kUploading) return SessionClosed(id);
  // A session that completes meanwhile is soft-deleted all the same: the client asked for it gone.
  Status del = deps_.meta->SoftDeleteFile(project_id, id, now);
  if (del.code() == StatusCode::kNotFound) return NoSuchUpload(id);
  FILESD_RETURN_IF_ERROR(del);
  // Invisible now, and no append or part can be recorded any more: discard them at once.
  DiscardStaged(deps_, id);
  f.updated_at = now;
  f.deleted_at = now;
  return f;
}

Result<std::unique_ptr<BlobReader>> Sessions::OpenContent(const FileRecord& session) const {
  auto segments = SegmentsUpTo(*deps_.meta, session.id, session.bytes);
  if (!segments.ok()) {
    // Completed (its segments discarded) after the caller read the row: read the content blob.
    auto now_row = deps_.meta->GetFile(session.project_id, session.id, deps_.clock->NowSeconds());
    if (now_row.ok() && now_row->status != FileStatus::kUploading && !now_row->blob_key.empty()) {
      return deps_.blobs->NewReader(now_row->blob_key);
    }
    return std::move(segments).TakeStatus();
  }
  std::vector<BlobPiece> pieces;
  pieces.reserve(segments->size());
  for (const UploadSegmentRecord& s : *segments) pieces.push_back(BlobPiece{s.blob_key, s.bytes});
  return OpenConcatenation(*deps_.blobs, std::move(pieces));
}

}  // namespace filesd
