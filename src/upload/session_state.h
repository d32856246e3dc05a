// What the session operations (upload/sessions.cc, session_append.cc, session_parts.cc,
// session_complete.cc) share: loading a session, the errors they answer, where a session's running
// SHA-256 state is, and discarding a session's staged blobs. Internal to upload/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "base/status.h"
#include "meta/records.h"
#include "upload/upload_deps.h"

namespace filesd::session_state {

// 404 upload_not_found, param upload_id ("No such upload: <id>" only for a UUID).
Status NoSuchUpload(const std::string& id);
// 409 upload_closed: completed or cancelled.
Status SessionClosed(const std::string& id);
// 409 upload_mode_conflict: appends and parts do not mix.
Status ModesMixed();
// 409 offset_mismatch, param offset, naming both sizes.
Status OffsetMismatch(const std::string& id, uint64_t offset, uint64_t size);
// 413 file_too_large when `bytes` pass the file size limit.
Status CheckFileLimit(const UploadDeps& deps, uint64_t bytes);

// The visible session `id` of the project at `now`, or 404 (also for ids that are not UUIDs).
Result<FileRecord> Load(const UploadDeps& deps, const std::string& project_id,
                        const std::string& id, int64_t now);
// Load() and the session must be open in appends mode: 409 upload_closed / upload_mode_conflict.
Result<FileRecord> LoadForAppend(const UploadDeps& deps, const std::string& project_id,
                                 const std::string& id, int64_t now);

// Why an AppendUploadSegment / AddUploadPart refused a session that was visible when read: re-reads
// it and answers 404, 409 upload_closed or upload_mode_conflict; `row` gets the fresh row if it is
// still open in appends mode (then the caller may retry; the status is OK).
Status ExplainRefusal(const UploadDeps& deps, const std::string& project_id, const std::string& id,
                      bool parts, FileRecord* row);

// The segments of `file_id` that make up its first `size` bytes, in order. kInternal if they do not
// tile [0, size) exactly (segments past `size`, recorded after the caller read the row, are left
// out).
Result<std::vector<UploadSegmentRecord>> SegmentsUpTo(MetadataStore& meta,
                                                      const std::string& file_id, uint64_t size);
// A running SHA-256 continuing an exported state ("" = a fresh start). kInternal for a state the
// store holds but Sha256 cannot resume (damage).
Result<std::unique_ptr<Sha256>> ResumeSha256(const std::string& state);
// The SHA-256 state after the first `size` bytes of the session `file_id` ("" for size 0).
Result<std::string> StateAt(MetadataStore& meta, const std::string& file_id, uint64_t size);

// True for a failure of a recording transaction that may have committed all the same (a lost
// reply: kUnavailable, kInternal). The caller must then leave the blob it recorded alone: if the
// transaction did not commit, the blob's intent lets the janitor remove it; if it did, a row
// references it.
bool MayHaveCommitted(const Status& s);

// Deletes the blobs of every segment and part of `file_id`, then their rows if every blob went.
// Best effort (logged): what stays is deleted by the janitor with the file.
void DiscardStaged(const UploadDeps& deps, const std::string& file_id);

}  // namespace filesd::session_state
