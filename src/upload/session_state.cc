#include "upload/session_state.h"

#include <spdlog/spdlog.h>

namespace filesd::session_state {

Status NoSuchUpload(const std::string& id) {
  std::string message = "No such upload";
  if (IsUuid(id)) message += ": " + id;
  return NotFound(std::move(message), "upload_not_found").WithParam("upload_id");
}

Status SessionClosed(const std::string& id) {
  return Conflict("upload " + id + " is no longer open (completed or cancelled)", "upload_closed");
}

Status ModesMixed() {
  return Conflict("an upload uses either appended chunks or parts, not both",
                  "upload_mode_conflict");
}

Status OffsetMismatch(const std::string& id, uint64_t offset, uint64_t size) {
  return Conflict("offset " + std::to_string(offset) + " does not match the current size " +
                      std::to_string(size) + " of upload " + id,
                  "offset_mismatch")
      .WithParam("offset");
}

Status CheckFileLimit(const UploadDeps& deps, uint64_t bytes) {
  if (bytes <= deps.limits.max_file_bytes) return Status::Ok();
  return PayloadTooLarge("the upload would exceed the file size limit of " +
                             std::to_string(deps.limits.max_file_bytes) + " bytes",
                         "file_too_large");
}

Result<FileRecord> Load(const UploadDeps& deps, const std::string& project_id,
                        const std::string& id, int64_t now) {
  if (!IsUuid(id)) return NoSuchUpload(id);
  auto f = deps.meta->GetFile(project_id, id, now);
  if (!f.ok() && f.status().code() == StatusCode::kNotFound) return NoSuchUpload(id);
  return f;
}

Result<FileRecord> LoadForAppend(const UploadDeps& deps, const std::string& project_id,
                                 const std::string& id, int64_t now) {
  FILESD_ASSIGN_OR_RETURN(FileRecord f, Load(deps, project_id, id, now));
  if (f.status != FileStatus::kUploading) return SessionClosed(id);
  if (f.bytes == 0) {
    // Parts are accepted only while bytes == 0, so only then can the session be in parts mode.
    FILESD_ASSIGN_OR_RETURN(std::vector<UploadPartRecord> parts, deps.meta->ListUploadParts(id));
    if (!parts.empty()) return ModesMixed();
  }
  return f;
}

Status ExplainRefusal(const UploadDeps& deps, const std::string& project_id, const std::string& id,
                      bool parts, FileRecord* row) {
  FILESD_ASSIGN_OR_RETURN(FileRecord f, Load(deps, project_id, id, deps.clock->NowSeconds()));
  if (f.status != FileStatus::kUploading) return SessionClosed(id);
  if (parts) return ModesMixed();  // the only refusal of AddUploadPart an open session explains
  if (f.bytes == 0) {
    FILESD_ASSIGN_OR_RETURN(std::vector<UploadPartRecord> staged, deps.meta->ListUploadParts(id));
    if (!staged.empty()) return ModesMixed();
  }
  *row = std::move(f);
  return Status::Ok();
}

Result<std::vector<UploadSegmentRecord>> SegmentsUpTo(MetadataStore& meta,
                                                      const std::string& file_id, uint64_t size) {
  FILESD_ASSIGN_OR_RETURN(std::vector<UploadSegmentRecord> all, meta.ListUploadSegments(file_id));
  std::vector<UploadSegmentRecord> out;
  uint64_t end = 0;
  for (UploadSegmentRecord& s : all) {
    if (s.offset >= size) break;  // recorded after the caller's row was read
    if (s.offset != end) break;
    end = s.offset + s.bytes;
    out.push_back(std::move(s));
  }
  if (end != size) {
    return Internal("the segments of upload " + file_id + " do not make up its recorded size");
  }
  return out;
}

Result<std::unique_ptr<Sha256>> ResumeSha256(const std::string& state) {
  if (state.empty()) return std::make_unique<Sha256>();
  auto sha = Sha256::Resume(state);
  if (!sha.ok()) return Internal("a stored SHA-256 state cannot be resumed");
  return sha;
}

Result<std::string> StateAt(MetadataStore& meta, const std::string& file_id, uint64_t size) {
  if (size == 0) return std::string();
  auto last = meta.GetUploadSegmentEndingAt(file_id, size);
  if (!last.ok() && last.status().code() == StatusCode::kNotFound) {
    return Internal("no segment of upload " + file_id + " ends at its recorded size");
  }
  FILESD_RETURN_IF_ERROR(last.status());
  return last->sha256_state;
}

bool MayHaveCommitted(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kInternal;
}

namespace {

// Deletes `keys`; true if every one is gone.
bool DeleteAll(BlobStore& blobs, const std::vector<std::string>& keys) {
  bool all = true;
  for (const std::string& key : keys) {
    if (Status d = blobs.Delete(key); !d.ok()) {
      all = false;
      spdlog::warn("uploads: could not delete staged blob {}: {}", key, d.ToString());
    }
  }
  return all;
}

}  // namespace

void DiscardStaged(const UploadDeps& deps, const std::string& file_id) {
  if (auto segments = deps.meta->ListUploadSegments(file_id); segments.ok()) {
    std::vector<std::string> keys;
    for (const UploadSegmentRecord& s : *segments) keys.push_back(s.blob_key);
    if (!keys.empty() && DeleteAll(*deps.blobs, keys)) {
      (void)deps.meta->DeleteUploadSegments(file_id);
    }
  }
  if (auto parts = deps.meta->ListUploadParts(file_id); parts.ok()) {
    std::vector<std::string> keys;
    for (const UploadPartRecord& p : *parts) keys.push_back(p.blob_key);
    if (!keys.empty() && DeleteAll(*deps.blobs, keys)) (void)deps.meta->DeleteUploadParts(file_id);
  }
}

}  // namespace filesd::session_state
