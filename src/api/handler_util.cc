#include "api/handler_util.h"

#include <algorithm>

#include "base/crypto.h"

namespace filesd {

Dispatch Answer(Response r) {
  Dispatch d;
  d.response = std::move(r);
  return d;
}

Result<FileRecord> LoadFile(const RequestContext& ctx) {
  const std::string& id = ctx.params.at(0);
  if (!IsUuid(id)) return NoSuchFile(id);
  auto f = ctx.services.meta->GetFile(ctx.project_id, id, ctx.now);
  if (!f.ok() && f.status().code() == StatusCode::kNotFound) return NoSuchFile(id);
  return f;
}

Result<size_t> BlobBodyStream::Read(std::span<char> out) {
  if (remaining_ == 0) return size_t{0};
  const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), remaining_));
  FILESD_ASSIGN_OR_RETURN(size_t n, reader_->ReadAt(offset_, out.first(want)));
  if (n == 0) return Internal("content ended before its recorded size");
  offset_ += n;
  remaining_ -= n;
  return n;
}

std::optional<FileRegion> BlobBodyStream::file_region() const {
  const int fd = reader_->local_fd();
  if (fd < 0) return std::nullopt;
  return FileRegion{fd, offset_, remaining_};
}

}  // namespace filesd
