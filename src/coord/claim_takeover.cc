#include "coord/claim_takeover.h"

namespace filesd {

Result<bool> TakeOverClaimOfGoneOwner(MetadataStore& meta, InstanceLiveness* liveness,
                                      const IdempotencyRecord& record,
                                      const std::string& new_owner) {
  if (liveness != nullptr) {
    FILESD_ASSIGN_OR_RETURN(bool alive, liveness->IsAlive(record.owner));
    if (alive) return false;
  }
  Status took = meta.TakeOverIdempotencyKey(record.project_id, record.key, record.owner, new_owner);
  if (took.ok()) return true;
  if (took.code() == StatusCode::kConflict || took.code() == StatusCode::kNotFound) return false;
  return took;
}

}  // namespace filesd
