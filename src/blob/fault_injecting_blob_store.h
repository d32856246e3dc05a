// FaultInjectingBlobStore: wraps another BlobStore and makes a chosen operation fail with
// kUnavailable, for crash-consistency tests ("fail the n-th store operation, for every n").
//
// Counted operations, in the order they start: NewWriter, BlobWriter::Append, BlobWriter::Commit,
// NewReader, BlobReader::ReadAt, Stat, Delete, Compose (also through writers and readers obtained
// from this store). Compose is one operation, offered only when the wrapped store has the ability
// (composable() is null otherwise, and ComposeBlobs() then counts its reads and writes one by one).
// Abort, size_bytes, RemoveAbandonedWrites and CheckReady are passed through uncounted, except that
// CheckReady fails while a sticky fault is active.
//
// The count and the choice of the failing operation are a FaultPlan (base/fault_plan.h), which may
// be shared with other fault-injecting stores (meta/fault_injecting_metadata_store.h) so that one
// sequence numbers the operations of both. Deterministic: a single-threaded scenario fails at the
// same operation every run; a test first runs the scenario unarmed, reads operation_count(), then
// arms every n from 1 to that count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/fault_plan.h"
#include "base/status.h"
#include "blob/blob_store.h"

namespace filesd {

class FaultInjectingBlobStore : public BlobStore, public ComposableBlobs {
 public:
  using Mode = FaultPlan::Mode;
  using Timing = FaultPlan::Timing;
  // The message of every injected failure.
  static constexpr const char* kInjectedMessage = FaultPlan::kInjectedMessage;

  // REQUIRES: `base` outlives this store and every writer and reader obtained from it. `plan`: the
  // plan to count on, shared with other fault-injecting stores; null makes one of its own.
  explicit FaultInjectingBlobStore(BlobStore* base, std::shared_ptr<FaultPlan> plan = nullptr);
  ~FaultInjectingBlobStore() override;

  FaultInjectingBlobStore(const FaultInjectingBlobStore&) = delete;
  FaultInjectingBlobStore& operator=(const FaultInjectingBlobStore&) = delete;

  // Shorthands for plan()'s methods (see base/fault_plan.h).
  void FailNthOperation(uint64_t n, Mode mode = Mode::kOnce, Timing timing = Timing::kBefore) {
    plan_->FailNthOperation(n, mode, timing);
  }
  void Disarm() { plan_->Disarm(); }
  uint64_t operation_count() const { return plan_->operation_count(); }
  uint64_t injected_failure_count() const { return plan_->injected_failure_count(); }
  FaultPlan& plan() { return *plan_; }

  Result<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) override;
  Result<std::unique_ptr<BlobReader>> NewReader(const std::string& key) override;
  Result<BlobInfo> Stat(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<size_t> RemoveAbandonedWrites() override;
  Status CheckReady() override;
  ComposableBlobs* composable() override;
  Result<BlobInfo> Compose(const std::string& dest_key,
                           const std::vector<std::string>& source_keys) override;

 private:
  BlobStore* const base_;
  const std::shared_ptr<FaultPlan> plan_;  // writers and readers keep it alive
};

}  // namespace filesd
