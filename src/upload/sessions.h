// Sessions: upload sessions and OpenAI Uploads (API.md section 5) without HTTP. The handlers
// (api/session_handlers.cc) only parse JSON, multipart and Base64 into these structs and render
// what comes back.
//
// A session is a file row with status `uploading` and no blob_key. It is filled one of two ways,
// never both:
//  * appends: each acknowledged append is its own immutable segment blob (a fresh key under the
//    file's content folder, blob_keys::NewContentKey), written and made durable first
//    (BlobIngest), then recorded by ONE conditional metadata transaction
//    (MetadataStore::AppendUploadSegment) that checks the size is still the segment's offset,
//    applies the quotas and advances the size. That transaction is the only serialisation: no
//    lock is held across I/O. A loser of a race without `offset` re-hashes its own segment
//    (<= kMaxAppendBytes, read back from its blob) from the new predecessor's state and records it
//    at the new end (bounded retries); with an `offset` that no longer matches it answers 409
//    offset_mismatch and its segment is discarded.
//    Each segment row carries the SHA-256 state after its bytes (Sha256::ExportState), so
//    complete's digest is the last state finished: no byte is read again to hash it.
//  * parts: each part is its own blob plus an upload_parts row. A part hashes while it streams,
//    continuing the state of the part with the highest seq when it started (chain_prev). At
//    complete, if the listed parts form that chain in order the digest is free; otherwise
//    (parallel or reordered parts) the composed content is read once to hash it (counted:
//    rehashed_completes()).
// Complete composes the segments or the listed parts into a fresh content blob (ComposeBlobs: the
// store's in-kernel concatenation, or a copy), then one conditional UpdateFile adopts it; the
// segment/part blobs and rows are deleted best-effort afterwards (the janitor deletes what stays
// with the file). `md5` is verified by reading the composed content once (not chained: it would
// cost every upload an MD5 pass). Readers of an open session stitch its segments (OpenContent).
//
// Failure effects: every operation either takes effect in its one metadata transaction or leaves
// nothing visible; blobs written before a failure are removed at once, or (process death) by the
// janitor through their blob intents.
// Threading: Sessions is thread-safe (it holds UploadDeps and an atomic counter); each sink is used
// by one request at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "blob/blob_store.h"
#include "meta/records.h"
#include "upload/quota.h"
#include "upload/upload_deps.h"

namespace filesd {

// The seed's chunk limit: decoded bytes per append.
inline constexpr uint64_t kMaxAppendBytes = 5u << 20;
// OpenAI's part limit (further capped by UploadLimits::max_file_bytes).
inline constexpr uint64_t kMaxPartBytes = 64u << 20;

// POST /v1/uploads.
struct NewSession {
  std::string project_id;
  std::string filename;                          // validated here (upload/file_names.h)
  std::string purpose = "user_data";             // validated here
  uint64_t declared_bytes = 0;                   // the client's `bytes`: must fit limit and quota
  std::optional<std::string> mime_type;          // validated here; default from the filename
  std::optional<int64_t> expires_after_seconds;  // in range already; default the session TTL
  int64_t now = 0;                               // the request's time: created_at
};

// POST /v1/uploads/{id}/complete.
struct CompleteSession {
  std::string project_id;
  std::string id;
  std::optional<std::string> sha256;  // lowercase hex, 64 digits
  std::optional<std::string> md5;     // lowercase hex, 32 digits
  std::optional<std::vector<std::string>> part_ids;
  std::optional<int64_t> expires_after_seconds;  // the completed file's own time to live
};

// One append (PUT /v1/uploads/{id}) as its decoded bytes arrive: the ContentSink shape
// (upload/content_sink.h) with Finish(offset), since the client's `offset` may follow the data.
// Append() refuses past kMaxAppendBytes (413 chunk_too_large), the file size limit (413
// file_too_large) or the room the quotas leave (429); bytes go to a fresh segment blob as they
// come.
class AppendSink {
 public:
  virtual ~AppendSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
  virtual uint64_t size_bytes() const = 0;
  // Records the bytes at the session's end; `offset`, if given, must be the size then (else 409
  // offset_mismatch). Returns the session's row with the new size. Once. On error nothing of this
  // append is visible and its segment is gone.
  virtual Result<FileRecord> Finish(std::optional<uint64_t> offset) = 0;
  virtual void Abandon() = 0;  // idempotent; a no-op after a successful Finish()
};

// What AdmitPart() settled before a part's body is read; BeginPart() takes it.
struct PartTicket {
  std::string project_id;
  std::string id;
  uint64_t limit = 0;  // the most bytes this part may hold
  QuotaState quota;    // usage and quotas when the request began
};

// One part (POST /v1/uploads/{id}/parts) as its bytes arrive: the ContentSink shape.
class PartSink {
 public:
  virtual ~PartSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
  virtual uint64_t size_bytes() const = 0;
  // Commits the part's blob and registers the part. Once. On error nothing of it remains.
  virtual Result<UploadPartRecord> Finish() = 0;
  virtual void Abandon() = 0;  // idempotent; a no-op after a successful Finish()
};

class Sessions {
 public:
  explicit Sessions(UploadDeps deps) : deps_(deps) {}
  Sessions(const Sessions&) = delete;
  Sessions& operator=(const Sessions&) = delete;

  // A new session (status uploading, size 0). 400 for a bad filename, purpose or mime_type; 413
  // file_too_large (param bytes) when declared_bytes pass the size limit; 429 when the declared
  // size or one more file does not fit the quotas.
  Result<FileRecord> Create(const NewSession& req) const;

  // Starts an append to session `id` of `project_id`: 404 upload_not_found if not visible, 409
  // upload_closed if completed, 409 upload_mode_conflict if it has parts. Reads only.
  Result<std::unique_ptr<AppendSink>> BeginAppend(const std::string& project_id,
                                                  const std::string& id) const;

  // What a part request's header decides: 404/409 as BeginAppend (409 upload_mode_conflict if the
  // session has appended bytes), and 429 if `least_part_bytes` cannot fit the quotas.
  Result<PartTicket> AdmitPart(const std::string& project_id, const std::string& id,
                               uint64_t least_part_bytes) const;
  // The part's data begins: opens its blob and its running digest.
  Result<std::unique_ptr<PartSink>> BeginPart(const PartTicket& ticket) const;

  // Completes the session: composes its content, verifies the checksums (400 checksum_mismatch,
  // the session stays open), adopts it, then runs the analysis. Returns the file as the analysis
  // left it (as uploaded if the analysis could not record its outcome).
  Result<FileRecord> Complete(const CompleteSession& req) const;

  // Cancels an open session: its file is soft-deleted and its segments and parts discarded.
  // Returns the row as it was, with deleted_at set.
  Result<FileRecord> Cancel(const std::string& project_id, const std::string& id) const;

  // The content of an open session (`session` as read by the caller, status uploading): its
  // segments stitched in order, `session.bytes` long. If the session completed meanwhile, its
  // content blob.
  Result<std::unique_ptr<BlobReader>> OpenContent(const FileRecord& session) const;

  // Completes whose digest could not be chained (parts reordered or uploaded in parallel), so the
  // composed content was read once to hash it. For metrics.
  uint64_t rehashed_completes() const { return rehashed_completes_.load(); }

 private:
  const UploadDeps deps_;
  mutable std::atomic<uint64_t> rehashed_completes_{0};
};

}  // namespace filesd
