// Pieces every handler family uses: answering a Dispatch, loading the file a path names, and
// streaming a blob as a response body.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "api/http.h"
#include "api/request_context.h"
#include "blob/blob_store.h"
#include "meta/records.h"
#include "upload/upload_checks.h"

namespace filesd {

// A Dispatch that answers `r` at once.
Dispatch Answer(Response r);

// NoSuchFile() and UnknownPurpose() are upload/upload_checks.h's, shared with the flows.

// The visible file of the caller's project named by the first path parameter. kNotFound with
// reason "file_not_found" for ids that are not UUIDs, unknown ids and other projects' files alike;
// store failures pass through.
Result<FileRecord> LoadFile(const RequestContext& ctx);

// Streams [offset, offset + length) of a blob; a blob kept as a local file is offered to net/ as a
// FileRegion (sent zero-copy), any other through Read().
class BlobBodyStream final : public BodyStream {
 public:
  BlobBodyStream(std::unique_ptr<BlobReader> reader, uint64_t offset, uint64_t length)
      : reader_(std::move(reader)), offset_(offset), remaining_(length), length_(length) {}
  // The whole blob.
  explicit BlobBodyStream(std::unique_ptr<BlobReader> reader)
      : BlobBodyStream(std::move(reader), 0, 0) {
    remaining_ = length_ = reader_->size_bytes();
  }
  uint64_t size() const override { return length_; }
  Result<size_t> Read(std::span<char> out) override;
  std::optional<FileRegion> file_region() const override;

 private:
  std::unique_ptr<BlobReader> reader_;
  uint64_t offset_;
  uint64_t remaining_;
  uint64_t length_;
};

}  // namespace filesd
