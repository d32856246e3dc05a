#include "process/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace filesd::process {

Result<std::unique_ptr<FileByteSource>> FileByteSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("the file to process does not exist");
    return Internal("cannot open the file to process");
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Internal("cannot stat the file to process");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument("the file to process is not a regular file");
  }
  return std::unique_ptr<FileByteSource>(new FileByteSource(fd, static_cast<uint64_t>(st.st_size), path));
}

FileByteSource::~FileByteSource() { ::close(fd_); }

Result<size_t> FileByteSource::ReadAt(uint64_t offset, std::span<char> out) {
  size_t done = 0;
  while (done < out.size() && offset + done < size_) {
    ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal("read error on the file to process");
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Result<size_t> MemoryByteSource::ReadAt(uint64_t offset, std::span<char> out) {
  if (offset >= data_.size()) return size_t{0};
  size_t n = std::min<uint64_t>(out.size(), data_.size() - offset);
  std::memcpy(out.data(), data_.data() + offset, n);
  return n;
}

ChunkReader::ChunkReader(ByteSource& src, size_t chunk_bytes, uint64_t start_offset)
    // A small source needs no more buffer than its size.
    : src_(src),
      chunk_bytes_(static_cast<size_t>(std::clamp<uint64_t>(src.size_bytes(), 1, chunk_bytes))),
      offset_(start_offset) {
  FILESD_CHECK(chunk_bytes > 0);
  buf_.reset(new char[chunk_bytes_]);
}

Result<std::string_view> ChunkReader::Next() {
  FILESD_ASSIGN_OR_RETURN(size_t n, src_.ReadAt(offset_, std::span<char>(buf_.get(), chunk_bytes_)));
  offset_ += n;
  return std::string_view(buf_.get(), n);
}

Result<std::string> ReadHead(ByteSource& src, size_t max_bytes) {
  std::string out(std::min<uint64_t>(max_bytes, src.size_bytes()), '\0');
  FILESD_ASSIGN_OR_RETURN(size_t n, src.ReadAt(0, std::span<char>(out.data(), out.size())));
  out.resize(n);
  return out;
}

}  // namespace filesd::process
