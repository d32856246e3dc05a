// MemoryBlobStore: a BlobStore held in process memory, for tests. It keeps the whole BlobStore
// contract except durability (nothing survives the process). Content is shared immutably between
// the store and its readers, so a reader keeps the version it opened after a replace or a delete.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "blob/blob_store.h"

namespace filesd {

// Compose (ComposableBlobs) builds the concatenation and publishes it under the lock, all at once.
class MemoryBlobStore : public BlobStore, public ComposableBlobs {
 public:
  MemoryBlobStore();
  ~MemoryBlobStore() override;

  MemoryBlobStore(const MemoryBlobStore&) = delete;
  MemoryBlobStore& operator=(const MemoryBlobStore&) = delete;

  Result<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) override;
  Result<std::unique_ptr<BlobReader>> NewReader(const std::string& key) override;
  Result<BlobInfo> Stat(const std::string& key) override;
  Status Delete(const std::string& key) override;
  // Writers of this store cannot outlive the process, so there is never anything to remove: 0.
  Result<size_t> RemoveAbandonedWrites() override;
  Status CheckReady() override;
  ComposableBlobs* composable() override { return this; }
  Result<BlobInfo> Compose(const std::string& dest_key,
                           const std::vector<std::string>& source_keys) override;

  // For tests: every committed key, sorted.
  std::vector<std::string> ListKeys() const;
  // For tests: writers created and neither committed nor aborted yet.
  size_t live_writer_count() const;

  struct State;  // Shared with writers, which may outlive the store.

 private:
  std::shared_ptr<State> state_;
};

}  // namespace filesd
