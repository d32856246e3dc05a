#include "coord/named_lease.h"

namespace filesd {

Result<bool> NamedLease::TryAcquire() {
  const int64_t now = clock_.NowSeconds();
  return meta_.TryAcquireLease(name_, holder_, now, now + ttl_seconds_);
}

Status NamedLease::Release() { return meta_.ReleaseLease(name_, holder_); }

}  // namespace filesd
