// InstanceLease: this server instance's identity and its liveness lease in the metadata store.
//
// Start() registers a fresh random id (the owner recorded on everything this instance claims),
// alive for `ttl_seconds`. The owner renews it on a timer (lifecycle/maintenance.h), well within
// the TTL. If a renewal finds the lease lapsed (the process stalled longer than the TTL) the
// instance is gone for the others, who may already have taken over its claims: Renew() answers
// kConflict (reason "instance_lease_lapsed") and the server must stop, since every claim it still
// believes it holds may now be someone else's. End() ends the lease at a clean stop, so others take
// over at once rather than after the TTL.
//
// Thread-safe (the state is the store's). The store and clock must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "meta/metadata_store.h"

namespace filesd {

struct InstanceLeaseOptions {
  // How long a lease lasts without renewal; renew every ttl_seconds / 3.
  int64_t ttl_seconds = 30;
  // The caller has proved that no other instance can be using the store (one data directory, held
  // by the local blob store's lock, holds the SQLite database too): every other instance recorded
  // in it is gone, and its lease is ended at once, so this start takes over what they left without
  // waiting for their leases to lapse.
  bool sole_instance = false;
};

class InstanceLease {
 public:
  // Registers a new instance. Store errors pass through.
  static Result<std::unique_ptr<InstanceLease>> Start(MetadataStore& meta, const Clock& clock,
                                                      InstanceLeaseOptions options);

  const std::string& id() const { return id_; }
  int64_t ttl_seconds() const { return options_.ttl_seconds; }

  // Extends the lease by the TTL from now. kConflict if it had lapsed (see above); store errors
  // pass through (a transient failure leaves the lease running until its expiry).
  Status Renew();
  // Ends the lease now. Idempotent.
  Status End();

 private:
  InstanceLease(MetadataStore& meta, const Clock& clock, InstanceLeaseOptions options,
                std::string id)
      : meta_(meta), clock_(clock), options_(options), id_(std::move(id)) {}

  MetadataStore& meta_;
  const Clock& clock_;
  const InstanceLeaseOptions options_;
  const std::string id_;
};

}  // namespace filesd
