#include "meta/quota_rule.h"

#include <string>

namespace filesd {

Status CheckQuota(const QuotaLimits& limits, uint64_t used_bytes, uint64_t used_files,
                  uint64_t add_bytes, uint64_t add_files) {
  if (add_files > 0 && limits.files && used_files + add_files > *limits.files) {
    return Status(StatusCode::kResourceExhausted,
                  "the project already stores " + std::to_string(used_files) +
                      " files, its quota is " + std::to_string(*limits.files) + " files",
                  "storage_quota_exceeded");
  }
  if (add_bytes > 0 && limits.bytes &&
      (used_bytes > *limits.bytes || add_bytes > *limits.bytes - used_bytes)) {
    return Status(StatusCode::kResourceExhausted,
                  "storing " + std::to_string(add_bytes) +
                      " more bytes would pass the project's storage quota of " +
                      std::to_string(*limits.bytes) + " bytes (" + std::to_string(used_bytes) +
                      " bytes used)",
                  "storage_quota_exceeded");
  }
  return Status::Ok();
}

}  // namespace filesd
