// MetadataStore: projects, API keys, file rows and the bookkeeping that keeps blobs and rows in step.
//
// Contract for every implementation (tests/conformance/metadata_store_conformance.h checks it):
//  * Thread-safe; every method is one transaction.
//  * Visibility: a file is visible when deleted_at is null and (expires_at is null or > now).
//    Reads scoped by project never return another project's rows: they answer kNotFound exactly as
//    for an id that never existed.
//  * State changes are conditional (FilePrecondition), so retries are safe and races are detected:
//    a failed precondition is kConflict, an invisible row is kNotFound.
//  * Blob intents: before writing a blob, its key is recorded as an intent. CreateFile() and
//    UpdateFile() that reference the key remove the intent in the same transaction. Intents that
//    outlive their upload are what the janitor uses to find orphaned blobs.
//  * Quotas (meta/quota_rule.h): CreateFile() of a visible file and UpdateFile() that grows a file
//    decide the project's quotas inside their own transaction, against the usage of that moment,
//    and refuse with kResourceExhausted (reason "storage_quota_exceeded"); so concurrent uploads
//    can never together pass a quota.
//  * kUnavailable when the backing database cannot be reached; kInternal for anything unexpected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "meta/records.h"

namespace filesd {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // ---- projects and keys ----
  // Returns the project named `name`, creating it (with no quotas) if it does not exist.
  virtual Result<Project> EnsureProject(const std::string& name, int64_t now) = 0;
  // kNotFound if no such project.
  virtual Result<Project> GetProjectByName(const std::string& name) = 0;
  virtual Result<Project> GetProject(const std::string& project_id) = 0;
  // Every project, by name.
  virtual Result<std::vector<Project>> ListProjects() = 0;
  // Sets (or clears, with nullopt) the quotas of a project. kNotFound if no such project.
  virtual Status SetProjectQuota(const std::string& project_id, std::optional<uint64_t> quota_bytes,
                                 std::optional<uint64_t> quota_files) = 0;

  // kConflict if key_id already exists.
  virtual Status InsertApiKey(const ApiKeyRecord& key) = 0;
  // Any key, revoked or not. kNotFound if unknown.
  virtual Result<ApiKeyRecord> GetApiKey(const std::string& key_id) = 0;
  // Every key of every project, oldest first.
  virtual Result<std::vector<ApiKeyRecord>> ListApiKeys() = 0;
  // Marks a key revoked at `now`. kNotFound if unknown; OK if already revoked (time unchanged).
  virtual Status RevokeApiKey(const std::string& key_id, int64_t now) = 0;
  // Number of keys (revoked or not) of a project.
  virtual Result<uint64_t> CountApiKeys(const std::string& project_id) = 0;

  // ---- blob intents ----
  // Records that `blob_key` is about to be written. Idempotent.
  virtual Status RecordBlobIntent(const std::string& blob_key, int64_t now) = 0;
  // Removes an intent (after the blob was deleted, or adopted). Idempotent.
  virtual Status RemoveBlobIntent(const std::string& blob_key) = 0;
  // Intents recorded at or before `created_before`, oldest first, at most `limit`.
  virtual Result<std::vector<std::string>> ListBlobIntents(int64_t created_before,
                                                           size_t limit) = 0;

  // ---- files ----
  // Inserts a new file row (visible at once unless deleted/expired) and removes the blob intent of
  // `file.blob_key`, if any, in the same transaction. kConflict if the id exists.
  virtual Status CreateFile(const FileRecord& file) = 0;
  // The visible file `file_id` of `project_id` at time `now`; kNotFound otherwise.
  virtual Result<FileRecord> GetFile(const std::string& project_id, const std::string& file_id,
                                     int64_t now) = 0;
  // Visible files of a project (see ListFilesQuery / FileList). kNotFound if `after_id` is given
  // and is not a visible file of the project.
  virtual Result<FileList> ListFiles(const std::string& project_id, const ListFilesQuery& query,
                                     int64_t now) = 0;
  // Replaces every mutable column of the visible row `updated.id` (same project) if `expect` holds.
  // Removes the blob intent of `updated.blob_key` in the same transaction.
  // kNotFound if invisible, kConflict if the precondition fails.
  virtual Status UpdateFile(const FileRecord& updated, const FilePrecondition& expect,
                            int64_t now) = 0;
  // Soft-deletes a visible file at `now`. kNotFound if not visible (a second delete is kNotFound).
  virtual Status SoftDeleteFile(const std::string& project_id, const std::string& file_id,
                                int64_t now) = 0;
  // Rows whose content may be purged: soft-deleted at or before `deleted_before`, or expired
  // (expires_at <= now). At most `limit`, oldest first. A row keeps being returned until
  // PurgeFile() removes it, so a janitor interrupted between deleting the blob and the row retries.
  virtual Result<std::vector<FileRecord>> ListPurgeableFiles(int64_t deleted_before, int64_t now,
                                                             size_t limit) = 0;
  // Files still `pending` (an upload URL was issued and no content ever arrived) created at or
  // before `created_before`, visible or not, oldest first, at most `limit`. The janitor purges them
  // once no upload through their URL can still be running.
  virtual Result<std::vector<FileRecord>> ListStalePendingFiles(int64_t created_before,
                                                                size_t limit) = 0;
  // Removes the row for good, with its upload parts and segments. Idempotent.
  virtual Status PurgeFile(const std::string& file_id) = 0;

  // ---- upload parts (sessions, API.md section 5) ----
  // Adds a part to the session `part.file_id` of `project_id` and removes the blob intent of
  // `part.blob_key`, in one transaction, if the file is visible at `now`, has status uploading and
  // no appended content (bytes == 0): a session uses parts or appends, never both. The part's seq
  // is assigned here (records.h); chain_prev and sha256_state are stored as given.
  // kNotFound if the file is not visible; kConflict if it is not uploading or has bytes, or if the
  // part id exists.
  virtual Status AddUploadPart(const std::string& project_id, const UploadPartRecord& part,
                               int64_t now) = 0;
  // Every part of a file, visible or not, in (created_at, id) order. Empty if none (or no file).
  virtual Result<std::vector<UploadPartRecord>> ListUploadParts(const std::string& file_id) = 0;
  // Removes every part row of a file (their blobs are the caller's to delete first). Idempotent.
  // PurgeFile() removes them too.
  virtual Status DeleteUploadParts(const std::string& file_id) = 0;

  // ---- upload segments (sessions' appends, API.md section 5) ----
  // In one transaction, if file seg.file_id of project_id is visible at `now`, has status
  // uploading, has no parts and bytes == seg.offset: inserts the segment, sets the file's bytes to
  // seg.offset + seg.bytes and updated_at to now, applies the project's quotas to the growth, and
  // removes the blob intent of seg.blob_key; returns the updated row. Of racing appends at one
  // offset exactly one succeeds; the others get kConflict and change nothing.
  // Errors (nothing changed): kNotFound if the file is not visible; kConflict with reason
  // "upload_closed" if it is not uploading, "upload_mode_conflict" if it has parts,
  // "offset_mismatch" if its size is not seg.offset (the message names the size);
  // kResourceExhausted (reason "storage_quota_exceeded") over quota; kInvalidArgument if seg.bytes
  // is 0 or the end would not fit a signed 64-bit integer.
  virtual Result<FileRecord> AppendUploadSegment(const std::string& project_id,
                                                 const UploadSegmentRecord& seg, int64_t now) = 0;
  // Every segment of a file, visible or not, by offset. Empty if none (or no file).
  virtual Result<std::vector<UploadSegmentRecord>> ListUploadSegments(
      const std::string& file_id) = 0;
  // The segment of a file that ends at byte `end` (offset + bytes == end): where an append at the
  // session's size `end` continues the digest. One index seek, however many segments the file has.
  // kNotFound if no segment ends there.
  virtual Result<UploadSegmentRecord> GetUploadSegmentEndingAt(const std::string& file_id,
                                                               uint64_t end) = 0;
  // Removes every segment row of a file (their blobs are the caller's). Idempotent. PurgeFile()
  // removes them too.
  virtual Status DeleteUploadSegments(const std::string& file_id) = 0;

  // ---- idempotency keys (API.md section 8) ----
  // Claims `key` of `project_id` for `owner`, with `file_id` reserved for the file the request
  // creates (if any): inserts a claim created at `now` when the project has no record of the key,
  // or only one created at or before `expired_before` (which it replaces). Returns nullopt when
  // claimed, else the live record (a claim or an answer), unchanged. Of racing claims of one key
  // exactly one succeeds.
  virtual Result<std::optional<IdempotencyRecord>> ClaimIdempotencyKey(
      const std::string& project_id, const std::string& key, const std::string& owner,
      const std::optional<std::string>& file_id, int64_t now, int64_t expired_before) = 0;
  // Hands the unanswered claim of `old_owner` (a process that died) to `new_owner`.
  // kConflict if the record is answered or no longer held by `old_owner`; kNotFound if gone.
  virtual Status TakeOverIdempotencyKey(const std::string& project_id, const std::string& key,
                                        const std::string& old_owner,
                                        const std::string& new_owner) = 0;
  // Records the answer of `owner`'s claim. kConflict if the claim is not held by `owner` or is
  // already answered; kNotFound if it is gone.
  virtual Status AnswerIdempotencyKey(const std::string& project_id, const std::string& key,
                                      const std::string& owner, const std::string& fingerprint,
                                      int status_code, const std::string& response_body) = 0;
  // Deletes `owner`'s unanswered claim (its request failed, so a retry runs again). Idempotent; an
  // answered record or another owner's claim is left alone.
  virtual Status ReleaseIdempotencyKey(const std::string& project_id, const std::string& key,
                                       const std::string& owner) = 0;
  // Deletes records created at or before `created_before`, at most `limit`. Returns how many.
  virtual Result<size_t> PurgeIdempotencyKeys(int64_t created_before, size_t limit) = 0;

  // ---- coordination of instances sharing this store (sql/sqlite/0007, src/coord) ----
  // Times are the callers' clocks (instances sharing a store must keep their clocks in step).
  //
  // Instance leases. An instance is alive while its lease runs (expires_at > now); a lapsed lease is
  // final: the instance is gone for good, and an id never registered (or purged) is gone too.
  // Registers `instance_id`, alive until `expires_at`. kConflict if the id was registered before.
  virtual Status RegisterInstance(const std::string& instance_id, int64_t now,
                                  int64_t expires_at) = 0;
  // Extends the lease of a live instance to `expires_at` (never shortens it). kConflict if the lease
  // lapsed at `now` (the instance is gone; others may have taken over what it owned); kNotFound if
  // the id is unknown.
  virtual Status RenewInstance(const std::string& instance_id, int64_t now,
                               int64_t expires_at) = 0;
  // Ends the lease of `instance_id` at `now` (a clean stop): the instance is gone from then on.
  // Idempotent; OK for an unknown id.
  virtual Status EndInstance(const std::string& instance_id, int64_t now) = 0;
  // Ends, at `now`, the lease of every instance but `instance_id`. For a caller that has proved no
  // other instance can be using this store (the single-node rule of the local blob store).
  virtual Status EndOtherInstances(const std::string& instance_id, int64_t now) = 0;
  // When the lease of `instance_id` ends (or ended); nullopt if the id is unknown.
  virtual Result<std::optional<int64_t>> GetInstanceLease(const std::string& instance_id) = 0;
  // Deletes the rows of instances whose lease ended at or before `ended_before`, at most `limit`.
  // Returns how many. (A deleted id reads as unknown: gone, as before.)
  virtual Result<size_t> PurgeInstances(int64_t ended_before, size_t limit) = 0;

  // Named leases for background work. Takes lease `name` for `holder` until `expires_at` when it is
  // free (never taken, released, or expired at `now`) or already `holder`'s (a renewal). Returns
  // whether `holder` holds it now. Of racing callers on a free lease exactly one gets it.
  virtual Result<bool> TryAcquireLease(const std::string& name, const std::string& holder,
                                       int64_t now, int64_t expires_at) = 0;
  // Frees lease `name` if `holder` holds it. Idempotent; another holder's lease is left alone.
  virtual Status ReleaseLease(const std::string& name, const std::string& holder) = 0;

  // Shared settings (text; binary values are encoded by their user): the value of setting `name`,
  // storing `value` first when there is none. Of racing calls exactly one value is stored and every
  // call returns it. A stored value never changes.
  virtual Result<std::string> GetOrCreateSetting(const std::string& name, const std::string& value,
                                                 int64_t now) = 0;

  // Inserts `key` only if no API key at all exists (revoked or not), in one transaction: of
  // instances starting together on an empty store exactly one makes the first key. Returns whether
  // it was inserted.
  virtual Result<bool> InsertFirstApiKey(const ApiKeyRecord& key) = 0;

  // Analyses. Moves the visible file `file_id` of `project_id` to status processing
  // (status_details cleared, updated_at = now) if `expect` holds, and records `owner` as the
  // instance running its analysis, in one transaction. A file already in processing is claimed only
  // when its owner is gone at `now` (as ListAbandonedAnalyses says), so of instances taking over an
  // abandoned analysis exactly one gets it. kNotFound if invisible, kConflict if the precondition
  // fails or the owner is alive.
  virtual Status ClaimAnalysis(const std::string& project_id, const std::string& file_id,
                               const FilePrecondition& expect, const std::string& owner,
                               int64_t now) = 0;
  // Visible files in status processing whose analysis owner is gone at `now` (lease lapsed, unknown
  // instance, or no owner recorded: claimed before owners were), least recently updated first, at
  // most `limit`.
  struct AbandonedAnalysis {
    std::string project_id;
    std::string file_id;
  };
  virtual Result<std::vector<AbandonedAnalysis>> ListAbandonedAnalyses(int64_t now,
                                                                       size_t limit) = 0;

  // Bytes and count of visible files of a project at `now`.
  struct Usage {
    uint64_t bytes = 0;
    uint64_t files = 0;
  };
  virtual Result<Usage> GetUsage(const std::string& project_id, int64_t now) = 0;

  // OK when the database answers; used by /readyz.
  virtual Status CheckReady() = 0;
};

}  // namespace filesd
