#include "upload/signing_secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/crypto.h"

namespace filesd {
namespace {

constexpr const char* kSecretName = "secret";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes a descriptor on scope exit.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unavailable(Errno("cannot write the URL signing secret"));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return Unavailable(
        Errno("cannot sync the data directory after creating the URL signing secret"));
  }
  return Status::Ok();
}

// Creates <dir>/secret if absent. Another process creating it at the same time wins or loses the
// link() race; either way exactly one complete secret ends up in place.
Status CreateSecretIfAbsent(const std::string& dir, const std::string& path) {
  const std::string tmp = dir + "/.secret.tmp-" + HexEncode(RandomBytes(8));
  {
    ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return Unavailable(Errno("cannot create the URL signing secret"));
    Status s = WriteAll(fd.get(), RandomBytes(kGeneratedSecretBytes));
    if (s.ok() && ::fsync(fd.get()) != 0) {
      s = Unavailable(Errno("cannot sync the URL signing secret"));
    }
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    errno = link_errno;
    return Unavailable(Errno("cannot put the URL signing secret in place"));
  }
  return SyncDir(dir);
}

}  // namespace

Result<std::string> LoadOrCreateSigningSecret(const std::string& data_dir) {
  const std::string path = data_dir + "/" + kSecretName;
  FILESD_ASSIGN_OR_RETURN(std::optional<std::string> kept, LoadSigningSecretFile(data_dir));
  if (kept.has_value()) return std::move(*kept);
  FILESD_RETURN_IF_ERROR(CreateSecretIfAbsent(data_dir, path));
  FILESD_ASSIGN_OR_RETURN(kept, LoadSigningSecretFile(data_dir));
  if (!kept.has_value()) return Unavailable("the URL signing secret vanished after its creation");
  return std::move(*kept);
}

Result<std::optional<std::string>> LoadSigningSecretFile(const std::string& data_dir) {
  const std::string path = data_dir + "/" + kSecretName;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return std::optional<std::string>();
  if (fd < 0) return Unavailable(Errno("cannot open the URL signing secret <data-dir>/secret"));
  ScopedFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Unavailable(Errno("cannot stat the URL signing secret"));
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument("<data-dir>/secret is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return InvalidArgument("<data-dir>/secret is accessible by group or others; chmod 600 it");
  }
  if (st.st_size != static_cast<off_t>(kGeneratedSecretBytes)) {
    return InvalidArgument("<data-dir>/secret must hold exactly " +
                           std::to_string(kGeneratedSecretBytes) + " bytes");
  }
  std::string secret(kGeneratedSecretBytes, '\0');
  size_t done = 0;
  while (done < secret.size()) {
    const ssize_t n = ::read(fd, secret.data() + done, secret.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Unavailable(Errno("cannot read the URL signing secret"));
    if (n == 0) return Unavailable("the URL signing secret ended before its size");
    done += static_cast<size_t>(n);
  }
  return std::optional<std::string>(std::move(secret));
}

}  // namespace filesd
