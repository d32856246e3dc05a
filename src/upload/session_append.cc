// Appends to an upload session (PUT /v1/uploads/{id}): each append is an immutable segment blob,
// recorded by one conditional metadata transaction. The whole flow, top to bottom:
//   1. BeginAppend: the session must be open in appends mode; its quotas are read.
//   2. Append: the first bytes open a fresh segment blob (BlobIngest: intent first) and resume the
//      SHA-256 state the session has after its current size; every byte goes to both.
//   3. Finish(offset): a named offset must be the size the append started at; the blob is made
//      durable; AppendUploadSegment records it if the size is still that (the store's condition,
//      which also applies the quotas). A loser without an offset re-hashes its own bytes from the
//      new end's state and tries again there; a loser with an offset answers 409 offset_mismatch.
//   Any failure abandons the segment: the blob and its intent are removed (or, if the process
//   dies, the janitor removes them through the intent).
#include <algorithm>

#include "blob/blob_keys.h"
#include "upload/blob_ingest.h"
#include "upload/session_state.h"
#include "upload/sessions.h"

namespace filesd {

using namespace session_state;

namespace {

// Racing appends without an offset: how many times one re-hashes at a new end before giving up.
constexpr int kMaxRecordAttempts = 64;
constexpr size_t kReadBufferBytes = 1u << 20;

class SegmentAppend final : public AppendSink {
 public:
  SegmentAppend(const UploadDeps& deps, std::string project_id, FileRecord start, QuotaState quota)
      : deps_(deps),
        project_id_(std::move(project_id)),
        start_(std::move(start)),
        quota_(std::move(quota)) {}

  Status Append(std::string_view bytes) override {
    if (bytes.empty()) return Status::Ok();
    const uint64_t after = size_bytes() + bytes.size();
    if (after > kMaxAppendBytes) {
      return PayloadTooLarge(
          "a chunk may hold at most " + std::to_string(kMaxAppendBytes) + " decoded bytes",
          "chunk_too_large");
    }
    FILESD_RETURN_IF_ERROR(CheckFileLimit(deps_, start_.bytes + after));
    FILESD_RETURN_IF_ERROR(quota_.CheckGrowth(after));
    if (!ingest_) FILESD_RETURN_IF_ERROR(Open());
    sha_->Update(bytes);
    return ingest_->Append(bytes);
  }

  uint64_t size_bytes() const override { return ingest_ ? ingest_->size_bytes() : 0; }

  Result<FileRecord> Finish(std::optional<uint64_t> offset) override {
    auto row = ingest_ ? Record(offset) : Empty(offset);
    if (!row.ok()) Abandon();
    return row;
  }

  void Abandon() override {
    if (ingest_) ingest_->Abandon();
  }

 private:
  // The segment blob and the running digest, continuing the state after start_.bytes.
  Status Open() {
    FILESD_ASSIGN_OR_RETURN(std::string state, StateAt(*deps_.meta, start_.id, start_.bytes));
    FILESD_ASSIGN_OR_RETURN(sha_, ResumeSha256(state));
    // Under the file's content folder (content/<file_id>/...), as parts are: where an open
    // session's content has always been stored (operators and tests look there). The janitor finds
    // segments by their rows, not by their keys.
    FILESD_ASSIGN_OR_RETURN(ingest_,
                            BlobIngest::Start(deps_, blob_keys::NewContentKey(start_.id)));
    return Status::Ok();
  }

  // An append of no bytes records nothing: it answers the session as it is now.
  Result<FileRecord> Empty(std::optional<uint64_t> offset) {
    FILESD_ASSIGN_OR_RETURN(FileRecord f, LoadForAppend(deps_, project_id_, start_.id,
                                                        deps_.clock->NowSeconds()));
    if (offset && *offset != f.bytes) return OffsetMismatch(f.id, *offset, f.bytes);
    return f;
  }

  Result<FileRecord> Record(std::optional<uint64_t> offset) {
    if (offset && *offset != start_.bytes) return Mismatch(*offset);
    FILESD_ASSIGN_OR_RETURN(BlobInfo blob, ingest_->Commit());
    UploadSegmentRecord seg;
    seg.file_id = start_.id;
    seg.offset = start_.bytes;
    seg.bytes = blob.size_bytes;
    seg.blob_key = ingest_->blob_key();
    seg.sha256_state = sha_->ExportState();
    for (int attempt = 0; attempt < kMaxRecordAttempts; ++attempt) {
      const int64_t now = deps_.clock->NowSeconds();
      seg.created_at = now;
      auto recorded = deps_.meta->AppendUploadSegment(project_id_, seg, now);
      if (recorded.ok()) {
        ingest_->Adopted();
        return recorded;
      }
      if (recorded.status().code() == StatusCode::kNotFound) return NoSuchUpload(start_.id);
      if (MayHaveCommitted(recorded.status())) {
        ingest_->Adopted();  // left to the janitor (intent) or to the row that recorded it
        return recorded;
      }
      if (recorded.status().code() != StatusCode::kConflict) return recorded;
      // Someone else's append (or a complete, or parts) won: see which.
      FileRecord now_row;
      FILESD_RETURN_IF_ERROR(ExplainRefusal(deps_, project_id_, start_.id, false, &now_row));
      if (offset) return OffsetMismatch(start_.id, *offset, now_row.bytes);
      FILESD_RETURN_IF_ERROR(CheckFileLimit(deps_, now_row.bytes + seg.bytes));
      FILESD_RETURN_IF_ERROR(Rehash(now_row.bytes, &seg));
    }
    return Conflict("the upload kept changing under this append; retry it", "upload_changed");
  }

  // 409 offset_mismatch with the session's size now (or why it is not open any more).
  Status Mismatch(uint64_t offset) {
    FILESD_ASSIGN_OR_RETURN(FileRecord f, LoadForAppend(deps_, project_id_, start_.id,
                                                        deps_.clock->NowSeconds()));
    return OffsetMismatch(f.id, offset, f.bytes);
  }

  // Moves `seg` to start at `new_offset`: its bytes (read back from its blob, at most
  // kMaxAppendBytes) hashed on from the state the session has there.
  Status Rehash(uint64_t new_offset, UploadSegmentRecord* seg) {
    FILESD_ASSIGN_OR_RETURN(std::string state, StateAt(*deps_.meta, start_.id, new_offset));
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<Sha256> sha, ResumeSha256(state));
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader,
                            deps_.blobs->NewReader(seg->blob_key));
    std::string buf(std::min<uint64_t>(kReadBufferBytes, seg->bytes), '\0');
    uint64_t at = 0;
    while (at < seg->bytes) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), seg->bytes - at));
      FILESD_ASSIGN_OR_RETURN(size_t n, reader->ReadAt(at, std::span<char>(buf.data(), want)));
      if (n == 0) return Internal("an upload segment is shorter than it was written");
      sha->Update(std::string_view(buf.data(), n));
      at += n;
    }
    seg->offset = new_offset;
    seg->sha256_state = sha->ExportState();
    return Status::Ok();
  }

  const UploadDeps deps_;
  const std::string project_id_;
  const FileRecord start_;  // the session when the append began
  const QuotaState quota_;
  std::unique_ptr<Sha256> sha_;
  std::unique_ptr<BlobIngest> ingest_;  // opened by the first bytes
};

}  // namespace

Result<std::unique_ptr<AppendSink>> Sessions::BeginAppend(const std::string& project_id,
                                                          const std::string& id) const {
  const int64_t now = deps_.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(FileRecord f, LoadForAppend(deps_, project_id, id, now));
  FILESD_ASSIGN_OR_RETURN(QuotaState quota, LoadQuotaState(*deps_.meta, project_id, now));
  return std::unique_ptr<AppendSink>(
      new SegmentAppend(deps_, project_id, std::move(f), std::move(quota)));
}

}  // namespace filesd
