// ByteSource: the random-access content a processor analyses.
//
// Processors never see HTTP, stores or whole files in memory: they read through this interface, in
// bounded chunks, at any offset (xlsx and PDF keep their index at the end). It mirrors
// filesd::BlobReader (size + ReadAt) without depending on the blob layer, so the process layer depends
// on base only (and can be fuzzed on its own); an adapter over a BlobReader is three lines.
//
// Some libraries (poppler, freexl) can only open a file by name: a source backed by a file says which
// through file_path(); such processors refuse a source without one. The worker always has a path.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace filesd::process {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Total size in bytes; fixed for the life of the source.
  virtual uint64_t size_bytes() const = 0;
  // Reads up to out.size() bytes at `offset`; returns the count read (fewer only at the end, 0 at or
  // past the end). kInternal on an I/O error. Not thread-safe.
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> out) = 0;
  // The file system path holding exactly this content, or empty when the source is not a file.
  virtual std::string_view file_path() const { return {}; }
};

// A source over a read-only file. Reads use pread, so no shared file position.
class FileByteSource final : public ByteSource {
 public:
  // Opens `path` for reading. kNotFound if it does not exist, kInvalidArgument if it is not a regular
  // file, kInternal on another error. The message never contains the path.
  static Result<std::unique_ptr<FileByteSource>> Open(const std::string& path);
  ~FileByteSource() override;
  FileByteSource(const FileByteSource&) = delete;
  FileByteSource& operator=(const FileByteSource&) = delete;

  uint64_t size_bytes() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override;
  std::string_view file_path() const override { return path_; }

 private:
  FileByteSource(int fd, uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  uint64_t size_;
  std::string path_;
};

// A source over bytes owned by the caller, which must outlive it (tests and fuzzers).
class MemoryByteSource final : public ByteSource {
 public:
  explicit MemoryByteSource(std::string_view data) : data_(data) {}
  uint64_t size_bytes() const override { return data_.size(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override;

 private:
  std::string_view data_;
};

// Adapts any reader with `uint64_t size_bytes() const` and `Result<size_t> ReadAt(uint64_t,
// std::span<char>)` (filesd::BlobReader has exactly these) without this layer depending on it:
//   BlobReaderSource<BlobReader> src(*reader);
// The reader must outlive the adapter. Not file-backed: PDF, xls and images need a path (see above).
template <typename Reader>
class BlobReaderSource final : public ByteSource {
 public:
  explicit BlobReaderSource(Reader& reader) : reader_(reader) {}
  uint64_t size_bytes() const override { return reader_.size_bytes(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override { return reader_.ReadAt(offset, out); }

 private:
  Reader& reader_;
};

// Sequential reading of a ByteSource in chunks of a fixed size, from a start offset. The buffer is
// allocated once; memory use is the chunk size (or the source size, if smaller) whatever the source.
class ChunkReader {
 public:
  // REQUIRES: chunk_bytes > 0.
  ChunkReader(ByteSource& src, size_t chunk_bytes, uint64_t start_offset = 0);
  // The next chunk: empty at the end. The view is valid until the next call. kInternal on I/O error.
  Result<std::string_view> Next();
  // Offset of the first byte the next call returns.
  uint64_t offset() const { return offset_; }
  // Moves the position of the next read.
  void set_offset(uint64_t offset) { offset_ = offset; }

 private:
  ByteSource& src_;
  std::unique_ptr<char[]> buf_;
  size_t chunk_bytes_;
  uint64_t offset_;
};

// Reads up to `max_bytes` from offset 0 (the head of the content, for sniffing and detection).
Result<std::string> ReadHead(ByteSource& src, size_t max_bytes);

}  // namespace filesd::process
