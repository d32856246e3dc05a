// Internals of LocalBlobStore shared by its source files: local_blob_store.cc (writers, readers, the
// store), local_blob_compose.cc (Compose) and local_blob_files.cc (these helpers). Nothing outside
// src/blob/local_blob_* includes this. Paths built here are never put in a Status (see
// local_blob_store.h "Errors").
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "blob/local_blob_store.h"

namespace filesd::local_blob_internal {

inline constexpr mode_t kDirMode = 0700;
inline constexpr mode_t kFileMode = 0600;
// Linux transfers at most ~2 GiB per read/write call; stay well below.
inline constexpr size_t kMaxIoBytes = 1u << 30;
// A Commit may race with a Delete that removes a now-empty parent directory between our mkdir and
// our rename; we recreate the directories and try again this many times.
inline constexpr int kRenameAttempts = 8;

// Paths and the set of live temp files; shared with writers, which may outlive the store.
struct Shared {
  std::string root_dir;
  std::string blobs_dir;
  std::string tmp_dir;

  std::mutex mu;
  // Names (inside tmp_dir) of temp files owned by live writers or probes of this process. A name is
  // added before its file is created and removed only after the file is gone (renamed or unlinked),
  // so RemoveAbandonedWrites() never sees a live file outside the set.
  std::unordered_set<std::string> live_temp_names;

  std::string BlobPath(std::string_view key) const { return blobs_dir + "/" + std::string(key); }
  std::string TempPath(std::string_view name) const { return tmp_dir + "/" + std::string(name); }

  // A fresh temp name, already registered as live.
  std::string RegisterTempName(std::string_view suffix);
  void UnregisterTempName(const std::string& name);
  bool IsLive(const std::string& name);
};

bool IsDirectory(const std::string& path);
// Closes `fd` once (never retried: Linux releases it even when close fails).
Status CloseFd(int fd);
Status FsyncDir(const std::string& path);
// Creates `dir` (mode 0700) if it does not exist. Sets *created when this call made it.
Status MakeDir(const std::string& dir, bool* created);
// Every proper prefix of `key` that ends at a '/': "a/b/c" gives "a", "a/b".
std::vector<std::string_view> ParentDirsOf(std::string_view key);

// Creates a fresh temp file (registered as live; its name in *name), open for writing. On error
// nothing is left and the name is unregistered.
Result<int> CreateTempFile(Shared& shared, std::string_view suffix, std::string* name);
// fdatasync(fd), then closes it (closed on every path).
Status SyncAndClose(int fd);
// The second half of a commit: renames the synced temp file `temp_name` to blobs/<key> (creating
// its directories, retrying a racing Delete that removed one), unregisters the name, and fsyncs
// every directory from the key's parent up to blobs/. A failure after the rename leaves the content
// visible but maybe not durable (see local_blob_store.h); before it, the temp file is still there
// and still registered, for the caller to unlink.
Status PublishTemp(Shared& shared, const std::string& temp_name, const std::string& key);

}  // namespace filesd::local_blob_internal
