// The file-system helpers of LocalBlobStore (local_blob_internal.h) and its errno mapping.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/crypto.h"
#include "blob/local_blob_internal.h"

namespace filesd::local_blob_internal {

namespace {

// strerror_r comes in a GNU flavour (returns the text) and an XSI one (fills the buffer).
[[maybe_unused]] const char* PickErrorText(const char* text, const char* /*buf*/) { return text; }
[[maybe_unused]] const char* PickErrorText(int rc, const char* buf) {
  return rc == 0 ? buf : "unknown error";
}

std::string ErrnoText(int err) {
  char buf[256] = {};
  return PickErrorText(strerror_r(err, buf, sizeof(buf)), buf);
}

}  // namespace

Status ErrnoToStatus(std::string_view step, int err) {
  std::string detail = std::string(step) + " failed: " + ErrnoText(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return Unavailable("storage is full: " + detail, "storage_full");
    case EIO:
    case EROFS:
    case EACCES:
    case EPERM:
    case ENOTDIR:
    case ENOENT:
      // The store's own directories are missing, read-only or not directories: the store is
      // unreachable as far as callers can tell, and may come back when an operator fixes it.
      return Unavailable(std::move(detail));
    default:
      return Internal(std::move(detail));
  }
}

std::string Shared::RegisterTempName(std::string_view suffix) {
  std::string name = HexEncode(RandomBytes(16)) + std::string(suffix);
  std::lock_guard<std::mutex> lock(mu);
  live_temp_names.insert(name);
  return name;
}

void Shared::UnregisterTempName(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu);
  live_temp_names.erase(name);
}

bool Shared::IsLive(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu);
  return live_temp_names.count(name) != 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status CloseFd(int fd) {
  // On Linux the descriptor is released even when close() fails, so never retry it.
  if (::close(fd) != 0 && errno != EINTR) return ErrnoToStatus("close", errno);
  return Status::Ok();
}

Status FsyncDir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus("open directory", errno);
  Status status;
  while (::fsync(fd) != 0) {
    if (errno == EINTR) continue;
    status = ErrnoToStatus("fsync directory", errno);
    break;
  }
  Status closed = CloseFd(fd);
  return status.ok() ? closed : status;
}

Status MakeDir(const std::string& dir, bool* created) {
  *created = false;
  if (::mkdir(dir.c_str(), kDirMode) == 0) {
    *created = true;
    return Status::Ok();
  }
  if (errno == EEXIST && IsDirectory(dir)) return Status::Ok();
  return ErrnoToStatus("create directory", errno);
}

std::vector<std::string_view> ParentDirsOf(std::string_view key) {
  std::vector<std::string_view> dirs;
  for (size_t pos = key.find('/'); pos != std::string_view::npos; pos = key.find('/', pos + 1)) {
    dirs.push_back(key.substr(0, pos));
  }
  return dirs;
}

Result<int> CreateTempFile(Shared& shared, std::string_view suffix, std::string* name) {
  *name = shared.RegisterTempName(suffix);
  const int fd =
      ::open(shared.TempPath(*name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) {
    const int err = errno;
    shared.UnregisterTempName(*name);
    return ErrnoToStatus("create temp file", err);
  }
  return fd;
}

Status SyncAndClose(int fd) {
  Status status;
  while (::fdatasync(fd) != 0) {
    if (errno == EINTR) continue;
    status = ErrnoToStatus("sync", errno);
    break;
  }
  Status closed = CloseFd(fd);
  return status.ok() ? closed : status;
}

Status PublishTemp(Shared& shared, const std::string& temp_name, const std::string& key) {
  const std::string temp_path = shared.TempPath(temp_name);
  const std::string final_path = shared.BlobPath(key);
  const std::vector<std::string_view> parents = ParentDirsOf(key);
  for (int attempt = 1;; ++attempt) {
    for (std::string_view dir : parents) {
      bool created = false;
      FILESD_RETURN_IF_ERROR(MakeDir(shared.BlobPath(dir), &created));
    }
    if (::rename(temp_path.c_str(), final_path.c_str()) == 0) break;
    if (errno == ENOENT && attempt < kRenameAttempts) continue;
    return ErrnoToStatus("rename", errno);
  }
  // The temp file is gone now; from here on a failure leaves committed-but-maybe-not-durable
  // content under the key, which the caller must treat as garbage (keys are never reused).
  shared.UnregisterTempName(temp_name);

  // The new name, and each directory that may be new, must reach the disk too. fsync of a
  // directory that did not change since the last journal commit is nearly free, so sync every
  // level instead of tracking which ones this call created (another writer may have created one
  // and not synced yet).
  for (auto it = parents.rbegin(); it != parents.rend(); ++it) {
    FILESD_RETURN_IF_ERROR(FsyncDir(shared.BlobPath(*it)));
  }
  return FsyncDir(shared.blobs_dir);
}

}  // namespace filesd::local_blob_internal
