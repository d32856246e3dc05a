#include "coord/instance_lease.h"

#include "base/crypto.h"

namespace filesd {

Result<std::unique_ptr<InstanceLease>> InstanceLease::Start(MetadataStore& meta,
                                                            const Clock& clock,
                                                            InstanceLeaseOptions options) {
  FILESD_CHECK(options.ttl_seconds > 0);
  std::string id = NewUuidV4();
  const int64_t now = clock.NowSeconds();
  FILESD_RETURN_IF_ERROR(meta.RegisterInstance(id, now, now + options.ttl_seconds));
  if (options.sole_instance) FILESD_RETURN_IF_ERROR(meta.EndOtherInstances(id, now));
  return std::unique_ptr<InstanceLease>(new InstanceLease(meta, clock, options, std::move(id)));
}

Status InstanceLease::Renew() {
  const int64_t now = clock_.NowSeconds();
  return meta_.RenewInstance(id_, now, now + options_.ttl_seconds);
}

Status InstanceLease::End() { return meta_.EndInstance(id_, clock_.NowSeconds()); }

}  // namespace filesd
