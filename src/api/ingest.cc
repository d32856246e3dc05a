#include "api/ingest.h"

#include <spdlog/spdlog.h>

#include "blob/blob_keys.h"

namespace filesd {

Result<std::unique_ptr<BlobIngest>> BlobIngest::Start(const Services& services,
                                                      std::string_view file_id) {
  std::string key = blob_keys::NewContentKey(file_id);
  FILESD_RETURN_IF_ERROR(services.meta->RecordBlobIntent(key, services.clock->NowSeconds()));
  auto writer = services.blobs->NewWriter(key);
  if (!writer.ok()) {
    (void)services.meta->RemoveBlobIntent(key);
    return std::move(writer).TakeStatus();
  }
  return std::unique_ptr<BlobIngest>(
      new BlobIngest(services, std::move(key), std::move(writer).value()));
}

BlobIngest::~BlobIngest() { Abandon(); }

Status BlobIngest::Append(std::string_view data) {
  FILESD_CHECK(writer_ != nullptr);
  return writer_->Append(data);
}

Result<BlobInfo> BlobIngest::Commit() {
  FILESD_CHECK(writer_ != nullptr);
  auto info = writer_->Commit();
  writer_.reset();
  if (!info.ok()) return info;
  committed_ = *info;
  committed_ok_ = true;
  return info;
}

void BlobIngest::Abandon() {
  if (adopted_ || abandoned_) return;
  abandoned_ = true;
  if (writer_) {
    writer_->Abort();
    writer_.reset();
  }
  if (committed_ok_) {
    if (Status s = services_.blobs->Delete(key_); !s.ok()) {
      // The intent stays, so the janitor deletes the blob later.
      spdlog::warn("ingest: could not delete abandoned blob {}: {}", key_, s.ToString());
      return;
    }
  }
  if (Status s = services_.meta->RemoveBlobIntent(key_); !s.ok()) {
    spdlog::warn("ingest: could not remove blob intent {}: {}", key_, s.ToString());
  }
}

}  // namespace filesd
