// SqliteMetadataStore: the MetadataStore over one SQLite database file.
//
// Durability: WAL journal with synchronous=FULL, so every acknowledged write is on disk (see Open).
// Concurrency: a pool of connections, each used by one thread at a time and keeping its own
// prepared statements; readers run in parallel (WAL), writers are serialised in-process by a mutex
// so that SQLite's sleeping busy handler only ever waits on other processes (e.g. `filesd keys
// create` against a running server). Write transactions start with BEGIN IMMEDIATE, so a writer
// never fails midway on lock upgrade. Every call is one transaction; multi-statement reads
// (listing) run in one read transaction, so the total and the page come from the same snapshot.
//
// Schema: the numbered migrations of sql/sqlite/, compiled in and applied by Open().
// Errors: kUnavailable for busy (beyond the busy timeout) and I/O failures, kConflict for
// constraint violations, kInternal for the rest (with SQLite's message, for the log).
//
// Implementation: one file per table family (sqlite_store_*.cc); the layout, and how to add a
// family, are in sqlite_store_tables.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "meta/auth_revision.h"
#include "meta/metadata_store.h"
#include "meta/records.h"

namespace filesd {

namespace sqlite {
class ConnectionPool;
}  // namespace sqlite

class SqliteMetadataStore final : public MetadataStore {
 public:
  struct Options {
    // How long one call waits for a lock held by another process before kUnavailable.
    int busy_timeout_ms = 5000;
    // Connections opened at most; callers beyond wait for a free one. Each keeps its own page
    // cache.
    size_t max_connections = 16;
  };

  // Opens (creating if needed) the database at `db_path`, a file path (not ":memory:": each pooled
  // connection would see its own database). Sets WAL mode and applies pending migrations.
  // kUnavailable if the file cannot be opened or is locked beyond the timeout; kInternal if it is
  // not a database, has a schema newer than this binary, or WAL cannot be enabled.
  static Result<std::unique_ptr<SqliteMetadataStore>> Open(const std::string& db_path);
  static Result<std::unique_ptr<SqliteMetadataStore>> Open(const std::string& db_path,
                                                           const Options& options);

  // REQUIRES: no call in progress.
  ~SqliteMetadataStore() override;

  SqliteMetadataStore(const SqliteMetadataStore&) = delete;
  SqliteMetadataStore& operator=(const SqliteMetadataStore&) = delete;

  Result<Project> EnsureProject(const std::string& name, int64_t now) override;
  Result<Project> GetProjectByName(const std::string& name) override;
  Result<Project> GetProject(const std::string& project_id) override;
  Result<std::vector<Project>> ListProjects() override;
  Status SetProjectQuota(const std::string& project_id, std::optional<uint64_t> quota_bytes,
                         std::optional<uint64_t> quota_files) override;

  Status InsertApiKey(const ApiKeyRecord& key) override;
  Result<ApiKeyRecord> GetApiKey(const std::string& key_id) override;
  Result<std::vector<ApiKeyRecord>> ListApiKeys() override;
  // Bumps the auth revision (meta/auth_revision.h) once the revocation is committed, so that
  // authentication caches on this database refuse the key at once. A failed bump is not an error
  // of the revocation (it is done); caches then see it within their TTL.
  Status RevokeApiKey(const std::string& key_id, int64_t now) override;
  // The auth revision file this store bumps.
  const AuthRevisionFile& auth_revision() const { return auth_revision_; }
  Result<uint64_t> CountApiKeys(const std::string& project_id) override;

  Status RecordBlobIntent(const std::string& blob_key, int64_t now) override;
  Status RemoveBlobIntent(const std::string& blob_key) override;
  Result<std::vector<std::string>> ListBlobIntents(int64_t created_before, size_t limit) override;

  // kInvalidArgument if `file.bytes` exceeds INT64_MAX (SQLite integers are signed 64-bit).
  Status CreateFile(const FileRecord& file) override;
  Result<FileRecord> GetFile(const std::string& project_id, const std::string& file_id,
                             int64_t now) override;
  Result<FileList> ListFiles(const std::string& project_id, const ListFilesQuery& query,
                             int64_t now) override;
  // The mutable columns are every field but id, project_id, created_at and deleted_at (soft delete
  // has its own call). kInvalidArgument if `updated.bytes` exceeds INT64_MAX.
  Status UpdateFile(const FileRecord& updated, const FilePrecondition& expect,
                    int64_t now) override;
  Status SoftDeleteFile(const std::string& project_id, const std::string& file_id,
                        int64_t now) override;
  // Oldest first means by (created_at, id).
  Result<std::vector<FileRecord>> ListStalePendingFiles(int64_t created_before,
                                                        size_t limit) override;
  Result<std::vector<FileRecord>> ListPurgeableFiles(int64_t deleted_before, int64_t now,
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

  // For tests: the EXPLAIN QUERY PLAN lines (the `detail` column) of the one statement ListFiles
  // runs for `query`.
  Result<std::vector<std::string>> ListFilesPlanForTesting(const ListFilesQuery& query);

  // For tests: the value of `PRAGMA <name>` as seen by a pooled connection (e.g. "synchronous").
  Result<std::string> PragmaForTesting(std::string_view name);

 private:
  SqliteMetadataStore(std::unique_ptr<sqlite::ConnectionPool> pool,
                      std::string auth_revision_path);

  // Runs `fn(Connection&)` on a pooled connection, in a write transaction or a read transaction.
  // Defined in sqlite_transaction.h (the transaction runner), for the table-family files.
  template <typename Fn>
  auto Write(Fn&& fn);
  template <typename Fn>
  auto Read(Fn&& fn);
  template <typename Fn>
  auto ReadSnapshot(Fn&& fn);

  std::unique_ptr<sqlite::ConnectionPool> pool_;
  // Bumped after every committed revocation (meta/auth_revision.h).
  const AuthRevisionFile auth_revision_;
  // Held for the whole of every write transaction in this process (see the file comment).
  std::mutex write_mu_;
};

}  // namespace filesd
