// LocalBlobStore::Compose: concatenation in the kernel (copy_file_range), committed as a writer's
// content is (local_blob_store.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "blob/blob_keys.h"
#include "blob/local_blob_internal.h"

namespace filesd {

using local_blob_internal::CloseFd;
using local_blob_internal::CreateTempFile;
using local_blob_internal::ErrnoToStatus;
using local_blob_internal::kMaxIoBytes;
using local_blob_internal::PublishTemp;
using local_blob_internal::Shared;
using local_blob_internal::SyncAndClose;

namespace {

// Bytes per copy_file_range call: large, so that a big source costs few calls.
constexpr uint64_t kCopyChunkBytes = 8u << 20;

// The temp file being composed: removed on destruction unless Publish() succeeded.
class ComposeTarget {
 public:
  ComposeTarget(Shared& shared, std::string name, int fd)
      : shared_(shared), name_(std::move(name)), fd_(fd) {}
  ~ComposeTarget() {
    if (fd_ >= 0) (void)CloseFd(fd_);
    if (published_) return;
    (void)::unlink(shared_.TempPath(name_).c_str());  // ENOENT after a rename that then failed
    shared_.UnregisterTempName(name_);
  }
  ComposeTarget(const ComposeTarget&) = delete;
  ComposeTarget& operator=(const ComposeTarget&) = delete;

  uint64_t size() const { return size_; }

  // Appends the whole of the open regular file `in` (`len` bytes).
  Status AppendFile(int in, uint64_t len) {
    uint64_t copied = 0;
    while (copied < len) {
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(len - copied, kCopyChunkBytes));
      loff_t in_off = static_cast<loff_t>(copied);
      loff_t out_off = static_cast<loff_t>(size_);
      ssize_t n = use_kernel_copy_ ? ::copy_file_range(in, &in_off, fd_, &out_off, want, 0) : -1;
      if (n < 0 && use_kernel_copy_) {
        if (errno == EINTR) continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL) {
          return ErrnoToStatus("copy", errno);
        }
        use_kernel_copy_ = false;  // this kernel or filesystem cannot: copy through a buffer
      }
      if (!use_kernel_copy_) {
        FILESD_ASSIGN_OR_RETURN(n, CopyThroughBuffer(in, copied, want));
      }
      // Committed blobs never change, so a short source means someone tampered with the store.
      if (n == 0) return Internal("compose failed: blob is shorter than its size");
      copied += static_cast<uint64_t>(n);
      size_ += static_cast<uint64_t>(n);
      KickWriteback();
    }
    return Status::Ok();
  }

  // Syncs, closes and renames the temp file to `key`, as BlobWriter::Commit does.
  Status Publish(const std::string& key) {
    FILESD_RETURN_IF_ERROR(SyncAndClose(std::exchange(fd_, -1)));
    Status status = PublishTemp(shared_, name_, key);
    // After the rename the name is unregistered: nothing to clean, whatever came after.
    published_ = !shared_.IsLive(name_);
    return status;
  }

 private:
  // Copies up to `want` bytes from `in` at `offset` to the end of the temp file; returns the count
  // (0 at the end of `in`).
  Result<ssize_t> CopyThroughBuffer(int in, uint64_t offset, size_t want) {
    if (buffer_.empty()) buffer_.resize(1u << 20);
    want = std::min({want, buffer_.size(), kMaxIoBytes});
    ssize_t got;
    do {
      got = ::pread(in, buffer_.data(), want, static_cast<off_t>(offset));
    } while (got < 0 && errno == EINTR);
    if (got < 0) return ErrnoToStatus("read", errno);
    for (ssize_t done = 0; done < got;) {
      const ssize_t w = ::pwrite(fd_, buffer_.data() + done, static_cast<size_t>(got - done),
                                 static_cast<off_t>(size_ + static_cast<uint64_t>(done)));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return ErrnoToStatus("write", errno);
      if (w == 0) return ErrnoToStatus("write", EIO);
      done += w;
    }
    return got;
  }

  // As the writer does: start writeback of each finished window so the final sync has little left.
  void KickWriteback() {
    if (size_ - writeback_from_ < LocalBlobStore::kWritebackWindowBytes) return;
    (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                            static_cast<off_t>(size_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
    writeback_from_ = size_;
  }

  Shared& shared_;
  const std::string name_;
  int fd_;
  bool published_ = false;
  bool use_kernel_copy_ = true;
  uint64_t size_ = 0;
  uint64_t writeback_from_ = 0;
  std::vector<char> buffer_;  // only for the fallback
};

// Opens the committed content of a source for reading; kNotFound if there is none.
Result<int> OpenSource(const Shared& shared, const std::string& key, uint64_t* size) {
  const int fd = ::open(shared.BlobPath(key).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFound("blob not found");
    return ErrnoToStatus("open", errno);
  }
  struct stat st;
  Status status;
  if (::fstat(fd, &st) != 0) {
    status = ErrnoToStatus("stat", errno);
  } else if (!S_ISREG(st.st_mode)) {
    status = NotFound("blob not found");  // a directory: the key is only a prefix of other keys
  }
  if (!status.ok()) {
    (void)CloseFd(fd);
    return status;
  }
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

}  // namespace

Result<BlobInfo> LocalBlobStore::Compose(const std::string& dest_key,
                                         const std::vector<std::string>& source_keys) {
  if (!blob_keys::IsValidKey(dest_key)) return InvalidArgument("invalid blob key");
  for (const std::string& key : source_keys) {
    if (!blob_keys::IsValidKey(key)) return InvalidArgument("invalid blob key");
  }
  std::string name;
  FILESD_ASSIGN_OR_RETURN(const int out, CreateTempFile(*shared_, ".part", &name));
  ComposeTarget target(*shared_, std::move(name), out);
  for (const std::string& key : source_keys) {
    uint64_t size = 0;
    FILESD_ASSIGN_OR_RETURN(const int in, OpenSource(*shared_, key, &size));
    Status status = target.AppendFile(in, size);
    (void)CloseFd(in);
    FILESD_RETURN_IF_ERROR(status);
  }
  FILESD_RETURN_IF_ERROR(target.Publish(dest_key));
  return BlobInfo{target.size(), {}, {}};
}

}  // namespace filesd
