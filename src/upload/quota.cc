#include "upload/quota.h"

#include "meta/quota_rule.h"

namespace filesd {

Status QuotaState::CheckNewFile(uint64_t bytes) const {
  return CheckQuota(QuotaLimits{quota_bytes, quota_files}, usage.bytes, usage.files, bytes, 1);
}

Status QuotaState::CheckGrowth(uint64_t bytes) const {
  return CheckQuota(QuotaLimits{quota_bytes, quota_files}, usage.bytes, usage.files, bytes, 0);
}

Result<QuotaState> LoadQuotaState(MetadataStore& meta, const std::string& project_id,
                                  int64_t now) {
  FILESD_ASSIGN_OR_RETURN(Project project, meta.GetProject(project_id));
  QuotaState q;
  q.quota_bytes = project.quota_bytes;
  q.quota_files = project.quota_files;
  if (q.quota_bytes || q.quota_files) {
    FILESD_ASSIGN_OR_RETURN(q.usage, meta.GetUsage(project_id, now));
  }
  return q;
}

}  // namespace filesd
