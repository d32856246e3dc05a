// InstanceLiveness: whether a server instance is still alive, for whoever would take over what it
// owns (an Idempotency-Key claim, an analysis, a spool file). Several instances may share one
// metadata store; each names itself with an instance id (coord/instance_lease.h).
//
// The answer "gone" is final: an instance whose lease lapsed can never renew it (metadata_store.h),
// so what it owned may be taken over without racing it. "Alive" may turn into "gone" at any time.
#pragma once

#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "meta/metadata_store.h"

namespace filesd {

class InstanceLiveness {
 public:
  virtual ~InstanceLiveness() = default;
  // True while the lease of `instance_id` runs; false once it lapsed or ended, and for an id the
  // store does not know. Store errors pass through (the caller must not take over then).
  virtual Result<bool> IsAlive(const std::string& instance_id) = 0;
};

// Liveness as the metadata store's instance leases say, at the clock's now. Thread-safe; the store
// and clock must outlive it.
class StoreInstanceLiveness final : public InstanceLiveness {
 public:
  StoreInstanceLiveness(MetadataStore& meta, const Clock& clock) : meta_(meta), clock_(clock) {}
  Result<bool> IsAlive(const std::string& instance_id) override;

 private:
  MetadataStore& meta_;
  const Clock& clock_;
};

}  // namespace filesd
