// LocalBlobStore: a BlobStore on a local POSIX filesystem.
//
// Layout under the root directory (both folders are created with mode 0700 by Open()):
//   blobs/<key>          committed content, one regular file per key (mode 0600); the key's '/'
//                        separated segments become nested directories, created on demand and
//                        removed again (best effort) when the last blob under them is deleted.
//   tmp/<random>.part    content being written; renamed into blobs/ on Commit().
//
// Durability: Commit() runs fdatasync on the content, renames it into place, then fsyncs every
// directory from the blob's parent up to blobs/, so after Commit() returns OK the content and its
// name survive a crash of the process or of the OS.
// A Commit() that fails after the rename (a directory fsync failed) leaves the content visible but
// maybe not durable; callers treat such a key as garbage for the janitor (keys are never reused).
//
// Throughput: appends go straight from the caller's buffer to write(2), never copied; large appends
// are hashed on a helper thread at the same time (OverlappedSha256), so a 1 GiB upload costs
// max(copy, hash) rather than their sum (appends of at least OverlappedSha256::kMinOverlapBytes;
// smaller ones are hashed inline). Every kWritebackWindowBytes the writer asks the kernel to
// start writing the finished window back (sync_file_range(SYNC_FILE_RANGE_WRITE)), so the disk
// works while the upload streams and the final fdatasync has only the tail left.
//
// Errors: ENOSPC/EDQUOT answer kUnavailable with reason "storage_full"; EIO, and the errors of a
// store folder that is missing, read-only or not a folder (EROFS, EACCES, EPERM, ENOTDIR, ENOENT),
// answer kUnavailable; anything else kInternal. Messages name the failed step and the errno text,
// never a path.
//
// Limitations: the root must be one filesystem (tmp/ and blobs/ are renamed between). Keys that are
// a strict prefix of another key ("a" and "a/b") cannot both exist, which blob_keys never produces.
//
// Single-process rule: this store knows the writers of its own process only, so one process at a
// time may write into a root; others (a processing worker) may read. The server opens it with
// OpenExclusive(), which holds an exclusive lock on <root>/serve.lock for the store's life
// (blob/local_store_lock.h) and refuses a second holder: with it, RemoveAbandonedWrites() removes
// only what is provably abandoned (no other process can be writing). This is the local store's own
// rule, not the server's: a store shared by several instances (S3) has none, and the instances
// coordinate through the metadata store (src/coord). Open() takes no lock; it is for tests and
// tools whose caller guarantees the rule itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "blob/blob_store.h"
#include "blob/local_store_lock.h"

namespace filesd {

namespace local_blob_internal {
struct Shared;  // local_blob_internal.h
// The errno-to-Status mapping described above; `step` is a fixed phrase such as "write", never a
// path. Exposed for tests.
Status ErrnoToStatus(std::string_view step, int err);
}  // namespace local_blob_internal

// Compose (ComposableBlobs): copy_file_range(2) from each source into a temp file, so the bytes never
// pass through the process (and a filesystem with reflinks shares the extents instead of copying),
// then the same fdatasync, rename and directory fsyncs as Commit(). Where the kernel cannot copy
// between the files (EXDEV, ENOSYS, EOPNOTSUPP, EINVAL) it falls back to pread/write.
class LocalBlobStore : public BlobStore, public ComposableBlobs {
 public:
  // Bytes between two writeback kicks of a writer.
  static constexpr uint64_t kWritebackWindowBytes = 8u << 20;

  // Creates `root_dir`, `root_dir/blobs` and `root_dir/tmp` as needed (mode 0700) and checks that
  // they are directories. Errors: kUnavailable/kInternal as above.
  static Result<std::unique_ptr<LocalBlobStore>> Open(std::string root_dir);
  // Open(), then the single-process lock (see the top). kUnavailable, reason "store_locked", while
  // another process (or another exclusive store of this process) holds the root.
  static Result<std::unique_ptr<LocalBlobStore>> OpenExclusive(std::string root_dir);

  // Uses `root_dir` as is, without touching the filesystem; prefer Open(), which creates the
  // folders.
  explicit LocalBlobStore(std::string root_dir);
  ~LocalBlobStore() override;

  LocalBlobStore(const LocalBlobStore&) = delete;
  LocalBlobStore& operator=(const LocalBlobStore&) = delete;

  Result<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) override;
  Result<std::unique_ptr<BlobReader>> NewReader(const std::string& key) override;
  Result<BlobInfo> Stat(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<size_t> RemoveAbandonedWrites() override;
  Status CheckReady() override;
  ComposableBlobs* composable() override { return this; }
  Result<BlobInfo> Compose(const std::string& dest_key,
                           const std::vector<std::string>& source_keys) override;

  // The path where the committed content of `key` lives (whether or not it exists), for a local
  // consumer such as the processing worker that wants to hand a file to a library. The path is only
  // for reading: the file may be replaced or deleted at any time, so open it once and use the
  // descriptor. kInvalidArgument for a malformed key.
  Result<std::string> LocalPath(const std::string& key) const;

  const std::string& root_dir() const;

 private:
  std::shared_ptr<local_blob_internal::Shared> shared_;
  std::unique_ptr<LocalStoreLock> exclusive_lock_;  // set by OpenExclusive
};

}  // namespace filesd
