#include "blob/local_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "blob/blob_keys.h"
#include "blob/local_blob_internal.h"
#include "blob/overlapped_sha256.h"

namespace filesd {

using local_blob_internal::CloseFd;
using local_blob_internal::CreateTempFile;
using local_blob_internal::ErrnoToStatus;
using local_blob_internal::FsyncDir;
using local_blob_internal::IsDirectory;
using local_blob_internal::kFileMode;
using local_blob_internal::kMaxIoBytes;
using local_blob_internal::MakeDir;
using local_blob_internal::ParentDirsOf;
using local_blob_internal::PublishTemp;
using local_blob_internal::Shared;
using local_blob_internal::SyncAndClose;

namespace {

Status InvalidKey() { return InvalidArgument("invalid blob key"); }

}  // namespace

namespace {

class LocalBlobWriter final : public BlobWriter {
 public:
  LocalBlobWriter(std::shared_ptr<Shared> shared, std::string key, std::string temp_name, int fd)
      : shared_(std::move(shared)),
        key_(std::move(key)),
        temp_name_(std::move(temp_name)),
        temp_path_(shared_->TempPath(temp_name_)),
        fd_(fd) {}

  ~LocalBlobWriter() override { Abort(); }

  LocalBlobWriter(const LocalBlobWriter&) = delete;
  LocalBlobWriter& operator=(const LocalBlobWriter&) = delete;

  Status Append(std::string_view data) override {
    if (state_ != State::kOpen) return Internal("blob writer is no longer usable");
    // The hash of a large buffer runs on a helper thread while this one copies the buffer into the
    // page cache; both only read `data`, and Wait() returns before the caller may reuse it.
    sha256_.Start(data);
    Status status = WriteAll(data);
    sha256_.Wait();
    if (!status.ok()) state_ = State::kFailed;
    return status;
  }

  Status ResumeDigest(std::string_view sha256_state) override {
    if (state_ != State::kOpen || size_bytes_ != 0) {
      return Internal("a blob writer's digest is resumed before its first bytes");
    }
    return sha256_.Resume(sha256_state);
  }

  uint64_t size_bytes() const override { return size_bytes_; }

  Result<BlobInfo> Commit() override {
    if (state_ != State::kOpen) return Internal("blob writer is no longer usable");
    state_ = State::kFailed;  // Until proven otherwise; Abort() then cleans up.

    FILESD_RETURN_IF_ERROR(SyncAndClose(std::exchange(fd_, -1)));
    FILESD_RETURN_IF_ERROR(PublishTemp(*shared_, temp_name_, key_));
    state_ = State::kCommitted;
    std::string digest_state = sha256_.ExportState();
    return BlobInfo{size_bytes_, sha256_.FinishHex(), std::move(digest_state)};
  }

  void Abort() override {
    if (state_ == State::kCommitted || state_ == State::kAborted) return;
    if (fd_ >= 0) (void)CloseFd(std::exchange(fd_, -1));
    (void)::unlink(temp_path_.c_str());  // ENOENT after a rename that preceded a failed Commit.
    shared_->UnregisterTempName(temp_name_);
    state_ = State::kAborted;
  }

 private:
  enum class State { kOpen, kFailed, kCommitted, kAborted };

  // Writes all of `data`, asking the kernel to start writeback each time a window fills up.
  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      const uint64_t window_left =
          LocalBlobStore::kWritebackWindowBytes - (size_bytes_ - writeback_from_);
      const size_t len = static_cast<size_t>(std::min<uint64_t>(data.size(), window_left));
      const ssize_t n = ::write(fd_, data.data(), std::min(len, kMaxIoBytes));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoToStatus("write", errno);
      }
      // No progress and no error: treat it as a device fault rather than spin.
      if (n == 0) return ErrnoToStatus("write", EIO);
      data.remove_prefix(static_cast<size_t>(n));
      size_bytes_ += static_cast<uint64_t>(n);
      if (size_bytes_ - writeback_from_ >= LocalBlobStore::kWritebackWindowBytes) {
        // Only a hint; a real I/O error resurfaces at fdatasync in Commit(). It returns once the
        // pages are queued, so the final fdatasync has little left to wait for.
        (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                                static_cast<off_t>(size_bytes_ - writeback_from_),
                                SYNC_FILE_RANGE_WRITE);
        writeback_from_ = size_bytes_;
      }
    }
    return Status::Ok();
  }

  const std::shared_ptr<Shared> shared_;
  const std::string key_;
  const std::string temp_name_;
  const std::string temp_path_;
  int fd_;
  State state_ = State::kOpen;
  uint64_t size_bytes_ = 0;
  uint64_t writeback_from_ = 0;  // Start of the range not yet handed to writeback.
  OverlappedSha256 sha256_;
};

class LocalBlobReader final : public BlobReader {
 public:
  LocalBlobReader(int fd, uint64_t size_bytes) : fd_(fd), size_bytes_(size_bytes) {}
  ~LocalBlobReader() override { (void)CloseFd(fd_); }

  LocalBlobReader(const LocalBlobReader&) = delete;
  LocalBlobReader& operator=(const LocalBlobReader&) = delete;

  uint64_t size_bytes() const override { return size_bytes_; }
  int local_fd() const override { return fd_; }

  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    if (offset >= size_bytes_ || out.empty()) return size_t{0};
    const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), size_bytes_ - offset));
    size_t got = 0;
    while (got < want) {
      const ssize_t n = ::pread(fd_, out.data() + got, std::min(want - got, kMaxIoBytes),
                                static_cast<off_t>(offset + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoToStatus("read", errno);
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    // Committed files never change, so a short file means someone tampered with the store.
    if (got == 0) return Internal("read failed: blob is shorter than its recorded size");
    return got;
  }

 private:
  const int fd_;
  const uint64_t size_bytes_;
};

}  // namespace

Result<std::unique_ptr<LocalBlobStore>> LocalBlobStore::Open(std::string root_dir) {
  if (root_dir.empty()) return InvalidArgument("blob store root directory is empty");
  while (root_dir.size() > 1 && root_dir.back() == '/') root_dir.pop_back();
  // Create every missing level of the root, then the two folders inside it.
  std::vector<std::string> dirs;
  for (size_t pos = root_dir.find('/', 1); pos != std::string::npos;
       pos = root_dir.find('/', pos + 1)) {
    dirs.push_back(root_dir.substr(0, pos));
  }
  dirs.push_back(root_dir);
  bool created_any = false;
  for (const std::string& dir : dirs) {
    if (IsDirectory(dir)) continue;
    bool created = false;
    FILESD_RETURN_IF_ERROR(MakeDir(dir, &created));
    created_any = created_any || created;
  }
  auto store = std::make_unique<LocalBlobStore>(std::move(root_dir));
  for (const std::string* dir : {&store->shared_->blobs_dir, &store->shared_->tmp_dir}) {
    bool created = false;
    FILESD_RETURN_IF_ERROR(MakeDir(*dir, &created));
    created_any = created_any || created;
  }
  if (created_any) FILESD_RETURN_IF_ERROR(FsyncDir(store->shared_->root_dir));
  return store;
}

LocalBlobStore::LocalBlobStore(std::string root_dir)
    : shared_(std::make_shared<local_blob_internal::Shared>()) {
  shared_->blobs_dir = root_dir + "/blobs";
  shared_->tmp_dir = root_dir + "/tmp";
  shared_->root_dir = std::move(root_dir);
}

LocalBlobStore::~LocalBlobStore() = default;

const std::string& LocalBlobStore::root_dir() const { return shared_->root_dir; }

Result<std::string> LocalBlobStore::LocalPath(const std::string& key) const {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  return shared_->BlobPath(key);
}

Result<std::unique_ptr<BlobWriter>> LocalBlobStore::NewWriter(const std::string& key) {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  std::string name;
  FILESD_ASSIGN_OR_RETURN(const int fd, CreateTempFile(*shared_, ".part", &name));
  return std::unique_ptr<BlobWriter>(
      std::make_unique<LocalBlobWriter>(shared_, key, std::move(name), fd));
}

Result<std::unique_ptr<BlobReader>> LocalBlobStore::NewReader(const std::string& key) {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  const int fd = ::open(shared_->BlobPath(key).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFound("blob not found");
    return ErrnoToStatus("open", errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    (void)CloseFd(fd);
    return ErrnoToStatus("stat", err);
  }
  if (!S_ISREG(st.st_mode)) {  // A directory: the key is only a prefix of other keys.
    (void)CloseFd(fd);
    return NotFound("blob not found");
  }
  // Readers go front to back (downloads, analysis, copies): a larger readahead window.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<BlobReader>(
      std::make_unique<LocalBlobReader>(fd, static_cast<uint64_t>(st.st_size)));
}

Result<BlobInfo> LocalBlobStore::Stat(const std::string& key) {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  struct stat st;
  if (::stat(shared_->BlobPath(key).c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFound("blob not found");
    return ErrnoToStatus("stat", errno);
  }
  if (!S_ISREG(st.st_mode)) return NotFound("blob not found");
  return BlobInfo{static_cast<uint64_t>(st.st_size), {}, {}};
}

Status LocalBlobStore::Delete(const std::string& key) {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  if (::unlink(shared_->BlobPath(key).c_str()) != 0) {
    // EISDIR: the key is only a prefix of other keys, so it has no content of its own.
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return Status::Ok();
    return ErrnoToStatus("delete", errno);
  }
  // Best effort: drop directories this delete left empty, deepest first, never blobs/ itself. A
  // racing Commit that needs one of them again recreates it (see kRenameAttempts).
  const std::vector<std::string_view> parents = ParentDirsOf(key);
  for (auto it = parents.rbegin(); it != parents.rend(); ++it) {
    if (::rmdir(shared_->BlobPath(*it).c_str()) != 0) break;
  }
  return Status::Ok();
}

Result<size_t> LocalBlobStore::RemoveAbandonedWrites() {
  DIR* dir = ::opendir(shared_->tmp_dir.c_str());
  if (dir == nullptr) return ErrnoToStatus("list temp directory", errno);
  // Collect first, then unlink, so the listing is not affected by our own removals.
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int list_errno = errno;
  ::closedir(dir);
  if (list_errno != 0) return ErrnoToStatus("list temp directory", list_errno);

  size_t removed = 0;
  Status first_error;
  for (const std::string& name : names) {
    // A name that is not live now cannot become live later: live names are fresh random names
    // registered before their file exists.
    if (shared_->IsLive(name)) continue;
    if (::unlink(shared_->TempPath(name).c_str()) == 0) {
      ++removed;
    } else if (errno != ENOENT && errno != EISDIR && first_error.ok()) {
      first_error = ErrnoToStatus("delete temp file", errno);
    }
  }
  if (!first_error.ok()) return first_error;
  return removed;
}

Status LocalBlobStore::CheckReady() {
  if (!IsDirectory(shared_->blobs_dir)) return Unavailable("blob directory is missing");
  const std::string name = shared_->RegisterTempName(".probe");
  const std::string path = shared_->TempPath(name);
  Status status;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) {
    status = ErrnoToStatus("create probe file", errno);
  } else {
    // One byte, so a full disk shows up here rather than in the next upload.
    ssize_t n;
    do {
      n = ::write(fd, "x", 1);
    } while (n < 0 && errno == EINTR);
    if (n < 0) status = ErrnoToStatus("write probe file", errno);
    if (n == 0) status = ErrnoToStatus("write probe file", EIO);
    Status closed = CloseFd(fd);
    if (status.ok()) status = std::move(closed);
    (void)::unlink(path.c_str());
  }
  shared_->UnregisterTempName(name);
  if (!status.ok() && status.code() == StatusCode::kInternal) {
    // Whatever stops the probe stops uploads: report the store as unavailable.
    return Unavailable(status.message(), status.reason());
  }
  return status;
}

}  // namespace filesd
