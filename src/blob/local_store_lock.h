// LocalStoreLock: the local blob store's single-process rule (blob/local_blob_store.h). An exclusive
// flock(2) on <root>/serve.lock, held while the lock object lives (the descriptor is closed on
// destruction, and by the kernel when the process dies, even by kill -9), so at most one process at
// a time writes into a root, and what that process finds half-written there is provably abandoned.
// The file's name predates the rule's move into the store: installations keep the same file.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"

namespace filesd {

class LocalStoreLock {
 public:
  // Takes the lock of `root_dir` (which must exist). kUnavailable with reason "store_locked" when
  // another process (or another lock object) holds it; kUnavailable when the lock file cannot be
  // opened. Messages name no path.
  static Result<std::unique_ptr<LocalStoreLock>> Acquire(const std::string& root_dir);

  ~LocalStoreLock();
  LocalStoreLock(const LocalStoreLock&) = delete;
  LocalStoreLock& operator=(const LocalStoreLock&) = delete;

 private:
  explicit LocalStoreLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace filesd
