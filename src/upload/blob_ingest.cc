#include "upload/blob_ingest.h"

#include <spdlog/spdlog.h>

namespace filesd {

Result<std::unique_ptr<BlobIngest>> BlobIngest::Start(const UploadDeps& deps,
                                                      std::string blob_key) {
  FILESD_RETURN_IF_ERROR(deps.meta->RecordBlobIntent(blob_key, deps.clock->NowSeconds()));
  auto writer = deps.blobs->NewWriter(blob_key);
  if (!writer.ok()) {
    (void)deps.meta->RemoveBlobIntent(blob_key);  // if this fails too, the janitor removes it
    return std::move(writer).TakeStatus();
  }
  return std::unique_ptr<BlobIngest>(
      new BlobIngest(deps.blobs, deps.meta, std::move(blob_key), std::move(writer).value()));
}

BlobIngest::~BlobIngest() { Abandon(); }

Status BlobIngest::ResumeDigest(std::string_view sha256_state) {
  FILESD_CHECK(writer_ != nullptr);
  if (sha256_state.empty()) return Status::Ok();
  return writer_->ResumeDigest(sha256_state);
}

Status BlobIngest::Append(std::string_view data) {
  FILESD_CHECK(writer_ != nullptr);
  return writer_->Append(data);
}

Result<BlobInfo> BlobIngest::Commit() {
  FILESD_CHECK(writer_ != nullptr);
  commit_tried_ = true;
  auto info = writer_->Commit();
  writer_.reset();
  if (info.ok()) committed_ = *info;
  return info;
}

void BlobIngest::Abandon() {
  if (adopted_ || abandoned_) return;
  abandoned_ = true;
  if (writer_) {
    writer_->Abort();
    writer_.reset();
  }
  if (commit_tried_) {
    if (Status s = blobs_->Delete(key_); !s.ok()) {
      // The intent stays, so the janitor deletes the blob later.
      spdlog::warn("ingest: could not delete abandoned blob {}: {}", key_, s.ToString());
      return;
    }
  }
  if (Status s = meta_->RemoveBlobIntent(key_); !s.ok()) {
    spdlog::warn("ingest: could not remove blob intent {}: {}", key_, s.ToString());
  }
}

void BlobIngest::AdoptionFailed(const Status& why) {
  if (adopted_ || abandoned_) return;
  if (why.code() == StatusCode::kUnavailable || why.code() == StatusCode::kInternal) {
    abandoned_ = true;  // the row may own the blob now; the intent tells the janitor if not
    spdlog::info("ingest: adopting {} ended unknown ({}); left to the janitor", key_,
                 why.ToString());
    return;
  }
  Abandon();
}

}  // namespace filesd
