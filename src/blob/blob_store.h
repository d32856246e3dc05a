// BlobStore: where file content lives. Keys are opaque to callers and are only ever produced by
// blob_keys.h from server-generated ids, never from a client string.
//
// Invariants every implementation keeps (tests/conformance/blob_store_conformance.h checks them):
//  * Content written through a BlobWriter is invisible (Stat/NewReader answer kNotFound) until
//    Commit() returns OK; after Commit() it is durable (survives a crash of the process and the OS).
//  * Abort(), or destroying a writer that was not committed, leaves nothing behind.
//  * Committing over an existing key replaces it atomically: a reader sees the old or the new
//    content, never a mix.
//  * Delete() is idempotent: deleting a missing key is OK.
//  * All methods are thread-safe; a single writer or reader object is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace filesd {

struct BlobInfo {
  uint64_t size_bytes = 0;
  std::string sha256_hex;  // Filled by BlobWriter::Commit(); may be empty from Stat().
  // Filled by BlobWriter::Commit(): the digest's state after the content (Sha256::ExportState),
  // for a stream hashed in pieces (see BlobWriter::ResumeDigest).
  std::string sha256_state;
};

// Streams content into one key. Obtained from BlobStore::NewWriter().
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;  // Aborts if neither Commit() nor Abort() was called.
  // Appends bytes. On error the writer is unusable; call Abort() (or destroy it).
  virtual Status Append(std::string_view data) = 0;
  // Continues the digest from `sha256_state` (Sha256::ExportState) instead of starting it fresh,
  // so a piece of a longer stream (an upload session's segment) is hashed once, on its way in:
  // Commit()'s sha256_hex and sha256_state then cover the state's bytes followed by the blob's.
  // kInternal if `sha256_state` is malformed. REQUIRES: no Append() yet.
  virtual Status ResumeDigest(std::string_view sha256_state) = 0;
  // Bytes appended so far.
  virtual uint64_t size_bytes() const = 0;
  // Makes the content durable and visible under the key; returns its size and SHA-256.
  // REQUIRES: no earlier Commit() or Abort().
  virtual Result<BlobInfo> Commit() = 0;
  // Discards everything written. Safe to call more than once and after a failed Commit().
  virtual void Abort() = 0;
};

// Random-access reads of one committed blob. The size is fixed when the reader is opened: a reader
// keeps reading the version it opened even if the key is replaced or deleted afterwards.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size_bytes() const = 0;
  // Reads up to out.size() bytes at `offset`; returns the count read, 0 only at or past the end.
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> out) = 0;
  // The open file whose bytes [0, size_bytes()) are this blob, when the store keeps it as a plain
  // local file (so that it can be sent without copying, see api/http.h FileRegion); -1 otherwise.
  // Owned by the reader and open while it lives; use it only at explicit offsets (pread, sendfile
  // with an offset), never its file position, and never close it.
  virtual int local_fd() const { return -1; }
};

// Optional ability of a store: building one blob from others without the bytes passing through the
// caller (the local store copies in the kernel; S3 would copy parts server-side). Upload sessions
// compose their immutable segments into the final content this way at complete.
class ComposableBlobs {
 public:
  virtual ~ComposableBlobs() = default;
  // Makes `dest_key` hold the concatenation of the committed `source_keys`, in order (a key may
  // repeat; an empty list gives an empty blob), durably and atomically as BlobWriter::Commit: the
  // result is invisible until done, and replaces existing content of dest_key atomically. Sources
  // are unchanged. The result's sha256_hex is empty: the bytes are not read back by the caller.
  // Errors: kNotFound if a source has no committed content, kInvalidArgument for a malformed key
  // (both with dest_key untouched); kUnavailable/kInternal as the store's other writes (dest_key
  // untouched, except as a failed Commit after its rename may leave it).
  // REQUIRES: dest_key is not one of the sources.
  virtual Result<BlobInfo> Compose(const std::string& dest_key,
                                   const std::vector<std::string>& source_keys) = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Starts writing `key`. Errors: kInvalidArgument for a malformed key, kUnavailable if the store
  // cannot be reached.
  virtual Result<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) = 0;
  // Opens committed content. kNotFound if the key has no committed content.
  virtual Result<std::unique_ptr<BlobReader>> NewReader(const std::string& key) = 0;
  // Size of committed content (sha256_hex may be empty). kNotFound if absent.
  virtual Result<BlobInfo> Stat(const std::string& key) = 0;
  // Removes committed content. OK if it was already absent.
  virtual Status Delete(const std::string& key) = 0;
  // Removes leftovers of writers that died without Commit/Abort (a crashed process) and that no live
  // writer of this process still owns. Returns how many were removed. Called by the janitor.
  virtual Result<size_t> RemoveAbandonedWrites() = 0;
  // OK when the store is reachable and writable; used by /readyz.
  virtual Status CheckReady() = 0;
  // The store's compose ability, or nullptr when it has none (ComposeBlobs() then copies through a
  // writer). The pointer lives as long as the store.
  virtual ComposableBlobs* composable() { return nullptr; }
};

// ComposableBlobs::Compose through the store's ability when it has one, else by reading every source
// through a reader and writing dest_key through a writer (bytes pass through this process, bounded
// memory). Same contract either way, sha256_hex included (empty).
Result<BlobInfo> ComposeBlobs(BlobStore& store, const std::string& dest_key,
                              const std::vector<std::string>& source_keys);

}  // namespace filesd
