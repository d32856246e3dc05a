#include "api/quota.h"

#include "meta/quota_rule.h"

namespace filesd {

std::optional<uint64_t> QuotaState::BytesLeft() const {
  if (!quota_bytes) return std::nullopt;
  return *quota_bytes > usage.bytes ? *quota_bytes - usage.bytes : 0;
}

Status QuotaState::CheckNewFile(uint64_t bytes) const {
  return CheckQuota(QuotaLimits{quota_bytes, quota_files}, usage.bytes, usage.files, bytes, 1);
}

Status QuotaState::CheckGrowth(uint64_t bytes) const {
  return CheckQuota(QuotaLimits{quota_bytes, quota_files}, usage.bytes, usage.files, bytes, 0);
}

Result<QuotaState> LoadQuotaState(const Services& services, const std::string& project_id,
                                  int64_t now) {
  FILESD_ASSIGN_OR_RETURN(Project project, services.meta->GetProject(project_id));
  QuotaState q;
  q.quota_bytes = project.quota_bytes;
  q.quota_files = project.quota_files;
  if (q.quota_bytes || q.quota_files) {
    FILESD_ASSIGN_OR_RETURN(q.usage, services.meta->GetUsage(project_id, now));
  }
  return q;
}

Status QuotaExceeded(std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(message), "storage_quota_exceeded");
}

}  // namespace filesd
