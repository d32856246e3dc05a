#include "meta/fault_injecting_metadata_store.h"

#include <utility>

namespace filesd {

FaultInjectingMetadataStore::FaultInjectingMetadataStore(MetadataStore* base,
                                                         std::shared_ptr<FaultPlan> plan)
    : base_(base), plan_(plan ? std::move(plan) : std::make_shared<FaultPlan>()) {}

Result<Project> FaultInjectingMetadataStore::EnsureProject(const std::string& name, int64_t now) {
  return plan_->Run<Result<Project>>([&] { return base_->EnsureProject(name, now); });
}

Result<Project> FaultInjectingMetadataStore::GetProjectByName(const std::string& name) {
  return plan_->Run<Result<Project>>([&] { return base_->GetProjectByName(name); });
}

Result<Project> FaultInjectingMetadataStore::GetProject(const std::string& project_id) {
  return plan_->Run<Result<Project>>([&] { return base_->GetProject(project_id); });
}

Result<std::vector<Project>> FaultInjectingMetadataStore::ListProjects() {
  return plan_->Run<Result<std::vector<Project>>>([&] { return base_->ListProjects(); });
}

Status FaultInjectingMetadataStore::SetProjectQuota(const std::string& project_id,
                                                    std::optional<uint64_t> quota_bytes,
                                                    std::optional<uint64_t> quota_files) {
  return plan_->Run<Status>(
      [&] { return base_->SetProjectQuota(project_id, quota_bytes, quota_files); });
}

Status FaultInjectingMetadataStore::InsertApiKey(const ApiKeyRecord& key) {
  return plan_->Run<Status>([&] { return base_->InsertApiKey(key); });
}

Result<ApiKeyRecord> FaultInjectingMetadataStore::GetApiKey(const std::string& key_id) {
  return plan_->Run<Result<ApiKeyRecord>>([&] { return base_->GetApiKey(key_id); });
}

Result<std::vector<ApiKeyRecord>> FaultInjectingMetadataStore::ListApiKeys() {
  return plan_->Run<Result<std::vector<ApiKeyRecord>>>([&] { return base_->ListApiKeys(); });
}

Status FaultInjectingMetadataStore::RevokeApiKey(const std::string& key_id, int64_t now) {
  return plan_->Run<Status>([&] { return base_->RevokeApiKey(key_id, now); });
}

Result<uint64_t> FaultInjectingMetadataStore::CountApiKeys(const std::string& project_id) {
  return plan_->Run<Result<uint64_t>>([&] { return base_->CountApiKeys(project_id); });
}

Status FaultInjectingMetadataStore::RecordBlobIntent(const std::string& blob_key, int64_t now) {
  return plan_->Run<Status>([&] { return base_->RecordBlobIntent(blob_key, now); });
}

Status FaultInjectingMetadataStore::RemoveBlobIntent(const std::string& blob_key) {
  return plan_->Run<Status>([&] { return base_->RemoveBlobIntent(blob_key); });
}

Result<std::vector<std::string>> FaultInjectingMetadataStore::ListBlobIntents(
    int64_t created_before, size_t limit) {
  return plan_->Run<Result<std::vector<std::string>>>(
      [&] { return base_->ListBlobIntents(created_before, limit); });
}

Status FaultInjectingMetadataStore::CreateFile(const FileRecord& file) {
  return plan_->Run<Status>([&] { return base_->CreateFile(file); });
}

Result<FileRecord> FaultInjectingMetadataStore::GetFile(const std::string& project_id,
                                                        const std::string& file_id, int64_t now) {
  return plan_->Run<Result<FileRecord>>([&] { return base_->GetFile(project_id, file_id, now); });
}

Result<FileList> FaultInjectingMetadataStore::ListFiles(const std::string& project_id,
                                                        const ListFilesQuery& query, int64_t now) {
  return plan_->Run<Result<FileList>>([&] { return base_->ListFiles(project_id, query, now); });
}

Status FaultInjectingMetadataStore::UpdateFile(const FileRecord& updated,
                                               const FilePrecondition& expect, int64_t now) {
  return plan_->Run<Status>([&] { return base_->UpdateFile(updated, expect, now); });
}

Status FaultInjectingMetadataStore::SoftDeleteFile(const std::string& project_id,
                                                   const std::string& file_id, int64_t now) {
  return plan_->Run<Status>([&] { return base_->SoftDeleteFile(project_id, file_id, now); });
}

Result<std::vector<FileRecord>> FaultInjectingMetadataStore::ListPurgeableFiles(
    int64_t deleted_before, int64_t now, size_t limit) {
  return plan_->Run<Result<std::vector<FileRecord>>>(
      [&] { return base_->ListPurgeableFiles(deleted_before, now, limit); });
}

Result<std::vector<FileRecord>> FaultInjectingMetadataStore::ListStalePendingFiles(
    int64_t created_before, size_t limit) {
  return plan_->Run<Result<std::vector<FileRecord>>>(
      [&] { return base_->ListStalePendingFiles(created_before, limit); });
}

Status FaultInjectingMetadataStore::PurgeFile(const std::string& file_id) {
  return plan_->Run<Status>([&] { return base_->PurgeFile(file_id); });
}

Status FaultInjectingMetadataStore::AddUploadPart(const std::string& project_id,
                                                  const UploadPartRecord& part, int64_t now) {
  return plan_->Run<Status>([&] { return base_->AddUploadPart(project_id, part, now); });
}

Result<std::vector<UploadPartRecord>> FaultInjectingMetadataStore::ListUploadParts(
    const std::string& file_id) {
  return plan_->Run<Result<std::vector<UploadPartRecord>>>(
      [&] { return base_->ListUploadParts(file_id); });
}

Status FaultInjectingMetadataStore::DeleteUploadParts(const std::string& file_id) {
  return plan_->Run<Status>([&] { return base_->DeleteUploadParts(file_id); });
}

Result<FileRecord> FaultInjectingMetadataStore::AppendUploadSegment(
    const std::string& project_id, const UploadSegmentRecord& seg, int64_t now) {
  return plan_->Run<Result<FileRecord>>(
      [&] { return base_->AppendUploadSegment(project_id, seg, now); });
}

Result<std::vector<UploadSegmentRecord>> FaultInjectingMetadataStore::ListUploadSegments(
    const std::string& file_id) {
  return plan_->Run<Result<std::vector<UploadSegmentRecord>>>(
      [&] { return base_->ListUploadSegments(file_id); });
}

Result<UploadSegmentRecord> FaultInjectingMetadataStore::GetUploadSegmentEndingAt(
    const std::string& file_id, uint64_t end) {
  return plan_->Run<Result<UploadSegmentRecord>>(
      [&] { return base_->GetUploadSegmentEndingAt(file_id, end); });
}

Status FaultInjectingMetadataStore::DeleteUploadSegments(const std::string& file_id) {
  return plan_->Run<Status>([&] { return base_->DeleteUploadSegments(file_id); });
}

Result<std::optional<IdempotencyRecord>> FaultInjectingMetadataStore::ClaimIdempotencyKey(
    const std::string& project_id, const std::string& key, const std::string& owner,
    const std::optional<std::string>& file_id, int64_t now, int64_t expired_before) {
  return plan_->Run<Result<std::optional<IdempotencyRecord>>>([&] {
    return base_->ClaimIdempotencyKey(project_id, key, owner, file_id, now, expired_before);
  });
}

Status FaultInjectingMetadataStore::TakeOverIdempotencyKey(const std::string& project_id,
                                                           const std::string& key,
                                                           const std::string& old_owner,
                                                           const std::string& new_owner) {
  return plan_->Run<Status>(
      [&] { return base_->TakeOverIdempotencyKey(project_id, key, old_owner, new_owner); });
}

Status FaultInjectingMetadataStore::AnswerIdempotencyKey(
    const std::string& project_id, const std::string& key, const std::string& owner,
    const std::string& fingerprint, int status_code, const std::string& response_body) {
  return plan_->Run<Status>([&] {
    return base_->AnswerIdempotencyKey(project_id, key, owner, fingerprint, status_code,
                                       response_body);
  });
}

Status FaultInjectingMetadataStore::ReleaseIdempotencyKey(const std::string& project_id,
                                                          const std::string& key,
                                                          const std::string& owner) {
  return plan_->Run<Status>([&] { return base_->ReleaseIdempotencyKey(project_id, key, owner); });
}

Result<size_t> FaultInjectingMetadataStore::PurgeIdempotencyKeys(int64_t created_before,
                                                                 size_t limit) {
  return plan_->Run<Result<size_t>>(
      [&] { return base_->PurgeIdempotencyKeys(created_before, limit); });
}

Status FaultInjectingMetadataStore::RegisterInstance(const std::string& instance_id, int64_t now,
                                                     int64_t expires_at) {
  return plan_->Run<Status>([&] { return base_->RegisterInstance(instance_id, now, expires_at); });
}

Status FaultInjectingMetadataStore::RenewInstance(const std::string& instance_id, int64_t now,
                                                  int64_t expires_at) {
  return plan_->Run<Status>([&] { return base_->RenewInstance(instance_id, now, expires_at); });
}

Status FaultInjectingMetadataStore::EndInstance(const std::string& instance_id, int64_t now) {
  return plan_->Run<Status>([&] { return base_->EndInstance(instance_id, now); });
}

Status FaultInjectingMetadataStore::EndOtherInstances(const std::string& instance_id,
                                                      int64_t now) {
  return plan_->Run<Status>([&] { return base_->EndOtherInstances(instance_id, now); });
}

Result<std::optional<int64_t>> FaultInjectingMetadataStore::GetInstanceLease(
    const std::string& instance_id) {
  return plan_->Run<Result<std::optional<int64_t>>>(
      [&] { return base_->GetInstanceLease(instance_id); });
}

Result<size_t> FaultInjectingMetadataStore::PurgeInstances(int64_t ended_before, size_t limit) {
  return plan_->Run<Result<size_t>>([&] { return base_->PurgeInstances(ended_before, limit); });
}

Result<bool> FaultInjectingMetadataStore::TryAcquireLease(const std::string& name,
                                                          const std::string& holder, int64_t now,
                                                          int64_t expires_at) {
  return plan_->Run<Result<bool>>(
      [&] { return base_->TryAcquireLease(name, holder, now, expires_at); });
}

Status FaultInjectingMetadataStore::ReleaseLease(const std::string& name,
                                                 const std::string& holder) {
  return plan_->Run<Status>([&] { return base_->ReleaseLease(name, holder); });
}

Result<std::string> FaultInjectingMetadataStore::GetOrCreateSetting(const std::string& name,
                                                                    const std::string& value,
                                                                    int64_t now) {
  return plan_->Run<Result<std::string>>(
      [&] { return base_->GetOrCreateSetting(name, value, now); });
}

Result<bool> FaultInjectingMetadataStore::InsertFirstApiKey(const ApiKeyRecord& key) {
  return plan_->Run<Result<bool>>([&] { return base_->InsertFirstApiKey(key); });
}

Status FaultInjectingMetadataStore::ClaimAnalysis(const std::string& project_id,
                                                  const std::string& file_id,
                                                  const FilePrecondition& expect,
                                                  const std::string& owner, int64_t now) {
  return plan_->Run<Status>(
      [&] { return base_->ClaimAnalysis(project_id, file_id, expect, owner, now); });
}

Result<std::vector<MetadataStore::AbandonedAnalysis>>
FaultInjectingMetadataStore::ListAbandonedAnalyses(int64_t now, size_t limit) {
  return plan_->Run<Result<std::vector<AbandonedAnalysis>>>(
      [&] { return base_->ListAbandonedAnalyses(now, limit); });
}

Result<MetadataStore::Usage> FaultInjectingMetadataStore::GetUsage(const std::string& project_id,
                                                                   int64_t now) {
  return plan_->Run<Result<Usage>>([&] { return base_->GetUsage(project_id, now); });
}

Status FaultInjectingMetadataStore::CheckReady() {
  if (plan_->StickyActive()) return FaultPlan::Injected();
  return base_->CheckReady();
}

}  // namespace filesd
