#include "blob/local_store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "blob/local_blob_store.h"

namespace filesd {

Result<std::unique_ptr<LocalStoreLock>> LocalStoreLock::Acquire(const std::string& root_dir) {
  const std::string path = root_dir + "/serve.lock";
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Unavailable(std::string("cannot open the data directory's serve.lock: ") +
                       std::strerror(errno));
  }
  // flock locks belong to the open file description: a second descriptor, even in this process,
  // is refused as another process would be.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Unavailable(
          "another filesd server is already serving this data directory (its local blob store "
          "admits one server process at a time)",
          "store_locked");
    }
    return Unavailable(std::string("cannot lock the data directory's serve.lock: ") +
                       std::strerror(err));
  }
  return std::unique_ptr<LocalStoreLock>(new LocalStoreLock(fd));
}

LocalStoreLock::~LocalStoreLock() { ::close(fd_); }

Result<std::unique_ptr<LocalBlobStore>> LocalBlobStore::OpenExclusive(std::string root_dir) {
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<LocalBlobStore> store, Open(std::move(root_dir)));
  FILESD_ASSIGN_OR_RETURN(store->exclusive_lock_, LocalStoreLock::Acquire(store->root_dir()));
  return store;
}

}  // namespace filesd
