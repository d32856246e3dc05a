#include "coord/instance_liveness.h"

namespace filesd {

Result<bool> StoreInstanceLiveness::IsAlive(const std::string& instance_id) {
  FILESD_ASSIGN_OR_RETURN(std::optional<int64_t> expires_at, meta_.GetInstanceLease(instance_id));
  return expires_at.has_value() && *expires_at > clock_.NowSeconds();
}

}  // namespace filesd
