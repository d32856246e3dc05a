// BlobIngest: writes new content to a fresh blob key so that nothing is visible until one metadata
// transaction adopts it (docs/architecture.md, "Blob first, then metadata"). Used by every upload
// flow.
//
// Lifecycle: Start() records a blob intent for a fresh key the caller made (blob_keys::NewContentKey,
// for a file's content or a session's piece) and opens a writer; Append() streams; Commit() makes the
// blob durable and returns its size and digest; the caller then creates or updates the file row
// with blob_key(), which removes the intent in the same transaction, and calls Adopted(). If
// anything fails, or the object is destroyed before Adopted(), the blob and the intent are removed,
// so a failed upload leaves nothing behind. If the process dies in between, the intent remains and
// the janitor removes the blob later.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "blob/blob_store.h"
#include "meta/metadata_store.h"
#include "upload/upload_deps.h"

namespace filesd {

class BlobIngest {
 public:
  // `blob_key` must be fresh (never used before): nothing else may write or delete it. The ingest
  // keeps deps.blobs and deps.meta, which must outlive it. Threading: one thread at a time.
  static Result<std::unique_ptr<BlobIngest>> Start(const UploadDeps& deps, std::string blob_key);
  ~BlobIngest();
  BlobIngest(const BlobIngest&) = delete;
  BlobIngest& operator=(const BlobIngest&) = delete;

  const std::string& blob_key() const { return key_; }
  uint64_t size_bytes() const { return writer_ ? writer_->size_bytes() : committed_.size_bytes; }

  // Continues the blob's digest from a Sha256::ExportState() text (BlobWriter::ResumeDigest); an
  // empty state is the empty stream's (nothing to do). REQUIRES: no Append() yet.
  Status ResumeDigest(std::string_view sha256_state);
  Status Append(std::string_view data);
  // REQUIRES: not yet committed or abandoned.
  Result<BlobInfo> Commit();
  // The file row now references blob_key(): nothing is undone any more.
  void Adopted() { adopted_ = true; }
  // Undoes everything: aborts the writer or deletes the blob if a Commit() was attempted (a failed
  // Commit may still have made it durable: the reply can be lost), and removes the intent (kept if
  // the blob could not be deleted, so the janitor deletes it later). Idempotent; a no-op after
  // Adopted().
  void Abandon();
  // The metadata transaction meant to adopt blob_key() failed with `why`. When its outcome is
  // unknown (kUnavailable, kInternal: it may have committed and only the reply was lost), nothing
  // is touched: if it committed, the row owns the blob and the intent is gone; if not, the intent
  // remains and the janitor deletes the blob after its grace. Otherwise (a refusal: kConflict,
  // kNotFound, kResourceExhausted, ...) the same as Abandon().
  void AdoptionFailed(const Status& why);

 private:
  BlobIngest(BlobStore* blobs, MetadataStore* meta, std::string key,
             std::unique_ptr<BlobWriter> writer)
      : blobs_(blobs), meta_(meta), key_(std::move(key)), writer_(std::move(writer)) {}

  BlobStore* const blobs_;
  MetadataStore* const meta_;
  std::string key_;
  std::unique_ptr<BlobWriter> writer_;  // null once committed or abandoned
  BlobInfo committed_;
  bool commit_tried_ = false;  // the blob may exist from here on
  bool adopted_ = false;
  bool abandoned_ = false;
};

}  // namespace filesd
