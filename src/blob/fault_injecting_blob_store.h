// FaultInjectingBlobStore: wraps another BlobStore and makes a chosen operation fail with
// kUnavailable, for crash-consistency tests ("fail the n-th store operation, for every n").
//
// Counted operations, in the order they start: NewWriter, BlobWriter::Append, BlobWriter::Commit,
// NewReader, BlobReader::ReadAt, Stat, Delete, Compose (also through writers and readers obtained
// from this store). Compose is one operation, offered only when the wrapped store has the ability
// (composable() is null otherwise, and ComposeBlobs() then counts its reads and writes one by one). Abort, size_bytes, RemoveAbandonedWrites and CheckReady are passed through uncounted,
// except that CheckReady fails while a sticky fault is active.
//
// Deterministic: the count is one atomic sequence, so a single-threaded scenario fails at the same
// operation every run; a test first runs the scenario unarmed, reads operation_count(), then arms
// every n from 1 to that count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "blob/blob_store.h"

namespace filesd {

class FaultInjectingBlobStore : public BlobStore, public ComposableBlobs {
 public:
  enum class Mode {
    kOnce,    // Only the n-th operation fails; later ones reach the wrapped store.
    kSticky,  // The n-th and every later operation fail: the store "went away" (or the process
              // died).
  };
  enum class Timing {
    kBefore,  // Fail without calling the wrapped store: nothing happened.
    kAfter,   // Call the wrapped store, then report failure anyway: the effect happened but the
             // reply was lost (a writer or reader it returned is destroyed, so a new writer leaves
             // nothing).
  };

  // The message of every injected failure.
  static constexpr const char* kInjectedMessage = "injected fault";

  // REQUIRES: `base` outlives this store and every writer and reader obtained from it.
  explicit FaultInjectingBlobStore(BlobStore* base);
  ~FaultInjectingBlobStore() override;

  FaultInjectingBlobStore(const FaultInjectingBlobStore&) = delete;
  FaultInjectingBlobStore& operator=(const FaultInjectingBlobStore&) = delete;

  // Resets the operation count to 0 and makes operation number `n` (1-based) fail. n == 0 disarms.
  void FailNthOperation(uint64_t n, Mode mode = Mode::kOnce, Timing timing = Timing::kBefore);
  // Resets the count and injects nothing.
  void Disarm() { FailNthOperation(0); }
  // Operations started since the last FailNthOperation()/Disarm() (or construction).
  uint64_t operation_count() const;
  // Operations that were made to fail since then.
  uint64_t injected_failure_count() const;

  Result<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) override;
  Result<std::unique_ptr<BlobReader>> NewReader(const std::string& key) override;
  Result<BlobInfo> Stat(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<size_t> RemoveAbandonedWrites() override;
  Status CheckReady() override;
  ComposableBlobs* composable() override;
  Result<BlobInfo> Compose(const std::string& dest_key,
                           const std::vector<std::string>& source_keys) override;

  struct Injector;  // The shared counter; writers and readers keep it alive.

 private:
  BlobStore* const base_;
  std::shared_ptr<Injector> injector_;
};

}  // namespace filesd
