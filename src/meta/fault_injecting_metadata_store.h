// FaultInjectingMetadataStore: wraps another MetadataStore and makes a chosen call fail with
// kUnavailable, for crash-consistency tests ("fail the n-th store operation, for every n"); the
// metadata side of blob/fault_injecting_blob_store.h.
//
// Every method is one counted operation, in the order the calls start, except CheckReady, which is
// passed through uncounted and fails while a sticky fault is active. With Timing::kAfter the
// wrapped call runs (its transaction commits) and failure is reported anyway: a lost reply.
//
// The count is a FaultPlan (base/fault_plan.h); pass the plan of a FaultInjectingBlobStore to
// number the operations of both stores on one sequence. Thread-safe as the wrapped store is. Every
// method added to MetadataStore gets one forwarding line here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/fault_plan.h"
#include "meta/metadata_store.h"

namespace filesd {

class FaultInjectingMetadataStore final : public MetadataStore {
 public:
  // REQUIRES: `base` outlives this store. `plan`: null makes one of its own.
  explicit FaultInjectingMetadataStore(MetadataStore* base,
                                       std::shared_ptr<FaultPlan> plan = nullptr);

  FaultInjectingMetadataStore(const FaultInjectingMetadataStore&) = delete;
  FaultInjectingMetadataStore& operator=(const FaultInjectingMetadataStore&) = delete;

  FaultPlan& plan() { return *plan_; }
  const std::shared_ptr<FaultPlan>& shared_plan() const { return plan_; }

  Result<Project> EnsureProject(const std::string& name, int64_t now) override;
  Result<Project> GetProjectByName(const std::string& name) override;
  Result<Project> GetProject(const std::string& project_id) override;
  Result<std::vector<Project>> ListProjects() override;
  Status SetProjectQuota(const std::string& project_id, std::optional<uint64_t> quota_bytes,
                         std::optional<uint64_t> quota_files) override;
  Status InsertApiKey(const ApiKeyRecord& key) override;
  Result<ApiKeyRecord> GetApiKey(const std::string& key_id) override;
  Result<std::vector<ApiKeyRecord>> ListApiKeys() override;
  Status RevokeApiKey(const std::string& key_id, int64_t now) override;
  Result<uint64_t> CountApiKeys(const std::string& project_id) override;
  Status RecordBlobIntent(const std::string& blob_key, int64_t now) override;
  Status RemoveBlobIntent(const std::string& blob_key) override;
  Result<std::vector<std::string>> ListBlobIntents(int64_t created_before, size_t limit) override;
  Status CreateFile(const FileRecord& file) override;
  Result<FileRecord> GetFile(const std::string& project_id, const std::string& file_id,
                             int64_t now) override;
  Result<FileList> ListFiles(const std::string& project_id, const ListFilesQuery& query,
                             int64_t now) override;
  Status UpdateFile(const FileRecord& updated, const FilePrecondition& expect,
                    int64_t now) override;
  Status SoftDeleteFile(const std::string& project_id, const std::string& file_id,
                        int64_t now) override;
  Result<std::vector<FileRecord>> ListPurgeableFiles(int64_t deleted_before, int64_t now,
                                                     size_t limit) override;
  Result<std::vector<FileRecord>> ListStalePendingFiles(int64_t created_before,
                                                        size_t limit) override;
  Status PurgeFile(const std::string& file_id) override;
  Status AddUploadPart(const std::string& project_id, const UploadPartRecord& part,
                       int64_t now) override;
  Result<std::vector<UploadPartRecord>> ListUploadParts(const std::string& file_id) override;
  Status DeleteUploadParts(const std::string& file_id) override;
  Result<FileRecord> AppendUploadSegment(const std::string& project_id,
                                         const UploadSegmentRecord& seg, int64_t now) override;
  Result<std::vector<UploadSegmentRecord>> ListUploadSegments(const std::string& file_id) override;
  Result<UploadSegmentRecord> GetUploadSegmentEndingAt(const std::string& file_id,
                                                       uint64_t end) override;
  Status DeleteUploadSegments(const std::string& file_id) override;
  Result<std::optional<IdempotencyRecord>> ClaimIdempotencyKey(
      const std::string& project_id, const std::string& key, const std::string& owner,
      const std::optional<std::string>& file_id, int64_t now, int64_t expired_before) override;
  Status TakeOverIdempotencyKey(const std::string& project_id, const std::string& key,
                                const std::string& old_owner,
                                const std::string& new_owner) override;
  Status AnswerIdempotencyKey(const std::string& project_id, const std::string& key,
                              const std::string& owner, const std::string& fingerprint,
                              int status_code, const std::string& response_body) override;
  Status ReleaseIdempotencyKey(const std::string& project_id, const std::string& key,
                               const std::string& owner) override;
  Result<size_t> PurgeIdempotencyKeys(int64_t created_before, size_t limit) override;
  Status RegisterInstance(const std::string& instance_id, int64_t now,
                          int64_t expires_at) override;
  Status RenewInstance(const std::string& instance_id, int64_t now, int64_t expires_at) override;
  Status EndInstance(const std::string& instance_id, int64_t now) override;
  Status EndOtherInstances(const std::string& instance_id, int64_t now) override;
  Result<std::optional<int64_t>> GetInstanceLease(const std::string& instance_id) override;
  Result<size_t> PurgeInstances(int64_t ended_before, size_t limit) override;
  Result<bool> TryAcquireLease(const std::string& name, const std::string& holder, int64_t now,
                               int64_t expires_at) override;
  Status ReleaseLease(const std::string& name, const std::string& holder) override;
  Result<std::string> GetOrCreateSetting(const std::string& name, const std::string& value,
                                         int64_t now) override;
  Result<bool> InsertFirstApiKey(const ApiKeyRecord& key) override;
  Status ClaimAnalysis(const std::string& project_id, const std::string& file_id,
                       const FilePrecondition& expect, const std::string& owner,
                       int64_t now) override;
  Result<std::vector<AbandonedAnalysis>> ListAbandonedAnalyses(int64_t now,
                                                               size_t limit) override;
  Result<Usage> GetUsage(const std::string& project_id, int64_t now) override;
  Status CheckReady() override;

 private:
  MetadataStore* const base_;
  const std::shared_ptr<FaultPlan> plan_;
};

}  // namespace filesd
