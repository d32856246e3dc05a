// NamedLease: a lease in the metadata store, by name, for background work that one instance at a
// time should do (the janitor's passes). Whoever holds it until it expires or is released works;
// the others skip their turn. A holder that dies leaves the lease to expire after `ttl_seconds`.
//
// The lease is an economy, not a lock for correctness: work done under it must stay safe should two
// instances ever run it at once (a pass that outlasts the TTL, clocks out of step), as the janitor
// is (lifecycle/janitor.h).
//
// Thread-compatible (one per loop). The store and clock must outlive it.
#pragma once

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "meta/metadata_store.h"

namespace filesd {

class NamedLease {
 public:
  // `holder` names the taker (this instance's id).
  NamedLease(MetadataStore& meta, const Clock& clock, std::string name, std::string holder,
             int64_t ttl_seconds)
      : meta_(meta),
        clock_(clock),
        name_(std::move(name)),
        holder_(std::move(holder)),
        ttl_seconds_(ttl_seconds) {}

  // Takes the lease (or renews it, when already held) for ttl_seconds from now. Returns whether this
  // holder has it. Store errors pass through (then do not work).
  Result<bool> TryAcquire();
  // Frees it if this holder has it, so another instance need not wait for the expiry. Idempotent.
  Status Release();

  const std::string& name() const { return name_; }

 private:
  MetadataStore& meta_;
  const Clock& clock_;
  const std::string name_;
  const std::string holder_;
  const int64_t ttl_seconds_;
};

}  // namespace filesd
