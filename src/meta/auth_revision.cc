#include "meta/auth_revision.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace filesd {

Status AuthRevisionFile::Bump() const {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status(StatusCode::kUnavailable,
                  std::string("cannot open the auth revision file: ") + std::strerror(errno));
  }
  ssize_t n;
  do {
    n = ::write(fd, "r", 1);
  } while (n < 0 && errno == EINTR);
  const int write_errno = errno;
  ::close(fd);
  if (n != 1) {
    return Status(StatusCode::kUnavailable, std::string("cannot bump the auth revision file: ") +
                                                std::strerror(write_errno));
  }
  return Status::Ok();
}

AuthRevision AuthRevisionFile::Read() const {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    if (errno == ENOENT) return AuthRevision{};
    return AuthRevision{0, 0, /*known=*/false};
  }
  return AuthRevision{static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size)};
}

}  // namespace filesd
