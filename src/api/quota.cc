#include "api/quota.h"

namespace filesd {

std::optional<uint64_t> QuotaState::BytesLeft() const {
  if (!quota_bytes) return std::nullopt;
  return *quota_bytes > usage.bytes ? *quota_bytes - usage.bytes : 0;
}

Status QuotaState::CheckNewFile(uint64_t bytes) const {
  if (quota_files && usage.files + 1 > *quota_files) {
    return QuotaExceeded("the project already stores " + std::to_string(usage.files) +
                         " files, its quota is " + std::to_string(*quota_files) + " files");
  }
  if (auto left = BytesLeft(); left && bytes > *left) {
    return QuotaExceeded("the file would pass the project's storage quota of " +
                         std::to_string(*quota_bytes) + " bytes (" + std::to_string(usage.bytes) +
                         " bytes used)");
  }
  return Status::Ok();
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
