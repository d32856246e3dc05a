#include "blob/blob_store.h"

#include <vector>

namespace filesd {

namespace {

constexpr size_t kCopyBufferBytes = 1u << 20;

// Appends every byte of `reader` to `writer`.
Status CopyAll(BlobReader& reader, BlobWriter& writer, std::vector<char>& buffer) {
  for (uint64_t offset = 0; offset < reader.size_bytes();) {
    FILESD_ASSIGN_OR_RETURN(size_t n, reader.ReadAt(offset, buffer));
    if (n == 0) return Internal("read failed: blob is shorter than its recorded size");
    FILESD_RETURN_IF_ERROR(writer.Append(std::string_view(buffer.data(), n)));
    offset += n;
  }
  return Status::Ok();
}

}  // namespace

Result<BlobInfo> ComposeBlobs(BlobStore& store, const std::string& dest_key,
                              const std::vector<std::string>& source_keys) {
  if (ComposableBlobs* composable = store.composable()) {
    return composable->Compose(dest_key, source_keys);
  }
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, store.NewWriter(dest_key));
  std::vector<char> buffer(kCopyBufferBytes);
  for (const std::string& key : source_keys) {
    auto reader = store.NewReader(key);
    Status status = reader.ok() ? CopyAll(**reader, *writer, buffer) : reader.status();
    if (!status.ok()) {
      writer->Abort();
      return status;
    }
  }
  FILESD_ASSIGN_OR_RETURN(BlobInfo info, writer->Commit());
  info.sha256_hex.clear();  // as the ability: callers must not rely on it
  return info;
}

}  // namespace filesd
