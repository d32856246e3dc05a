// Taking over an Idempotency-Key claim (api/idempotency.h) from its owner instance: allowed only
// when that instance is gone. Gone is final (a lapsed lease is never renewed:
// coord/instance_liveness.h), so the check and the take-over cannot race the owner; of several
// instances taking over one claim, the store lets exactly one succeed
// (MetadataStore::TakeOverIdempotencyKey is conditional on the old owner).
#pragma once

#include <string>

#include "base/status.h"
#include "coord/instance_liveness.h"
#include "meta/metadata_store.h"
#include "meta/records.h"

namespace filesd {

// Hands the unanswered claim `record` to `new_owner` if its owner is gone. Returns true when taken;
// false when the owner lives, or the claim changed meanwhile (answered, released, or taken by
// another instance). `liveness` null: this is the only instance, so any other owner is gone. Store
// errors pass through.
Result<bool> TakeOverClaimOfGoneOwner(MetadataStore& meta, InstanceLiveness* liveness,
                                      const IdempotencyRecord& record,
                                      const std::string& new_owner);

}  // namespace filesd
