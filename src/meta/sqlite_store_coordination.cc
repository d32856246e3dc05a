// SqliteMetadataStore, table family "coordination": what instances sharing the store agree through
// it (sql/sqlite/0007_coordination.sql): instance leases, named leases, shared settings, the first
// API key, and which instance runs each analysis. Contracts in metadata_store.h; the instances that
// use them are in src/coord.
#include "meta/sqlite_metadata_store.h"
#include "meta/sqlite_store_tables.h"
#include "meta/sqlite_transaction.h"

namespace filesd {
namespace sqlite {
namespace {

// clang-format off
constexpr SqlStatement kRegisterInstance{"register instance",
    "INSERT INTO instances (id, started_at, expires_at) VALUES (?1, ?2, ?3)"};
constexpr SqlStatement kRenewInstance{"renew instance lease",
    "UPDATE instances SET expires_at = max(expires_at, ?3) WHERE id = ?1 AND expires_at > ?2"};
constexpr SqlStatement kEndInstance{"end instance lease",
    "UPDATE instances SET expires_at = min(expires_at, ?2) WHERE id = ?1"};
constexpr SqlStatement kEndOtherInstances{"end other instance leases",
    "UPDATE instances SET expires_at = ?2 WHERE id <> ?1 AND expires_at > ?2"};
constexpr SqlStatement kGetInstanceLease{"get instance lease",
    "SELECT expires_at FROM instances WHERE id = ?1"};
constexpr SqlStatement kPurgeInstances{"purge instances",
    "DELETE FROM instances WHERE id IN "
    "(SELECT id FROM instances WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"};
// Takes a free lease, or renews the holder's own; a live lease of another holder is left alone.
constexpr SqlStatement kAcquireLease{"acquire lease",
    "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?4) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
    "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3"};
constexpr SqlStatement kReleaseLease{"release lease",
    "DELETE FROM leases WHERE name = ?1 AND holder = ?2"};
constexpr SqlStatement kInsertSetting{"create setting",
    "INSERT INTO settings (name, value, created_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO NOTHING"};
constexpr SqlStatement kGetSetting{"get setting",
    "SELECT value FROM settings WHERE name = ?1"};
constexpr SqlStatement kInsertFirstApiKey{"insert first api key",
    "INSERT INTO api_keys (key_id, project_id, secret_hash, created_at, revoked_at, expires_at) "
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM api_keys)"};
// ?1 id, ?2 project, ?3 now, ?4..?6 the preconditions (NULL: any). A file in processing is taken
// only from an owner that is gone.
constexpr SqlStatement kClaimAnalysisFile{"claim analysis",
    "UPDATE files SET status = 'processing', status_details = NULL, updated_at = ?3 "
    "WHERE id = ?1 AND project_id = ?2 AND deleted_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > ?3) "
    "AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR bytes = ?5) "
    "AND (?6 IS NULL OR blob_key = ?6) "
    "AND (status <> 'processing' OR NOT EXISTS (SELECT 1 FROM analysis_owners o "
    "JOIN instances i ON i.id = o.instance WHERE o.file_id = files.id AND i.expires_at > ?3))"};
constexpr SqlStatement kRecordAnalysisOwner{"record analysis owner",
    "INSERT INTO analysis_owners (file_id, instance, claimed_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (file_id) DO UPDATE SET instance = excluded.instance, "
    "claimed_at = excluded.claimed_at"};
// Served by the partial index files_processing (0005).
constexpr SqlStatement kListAbandonedAnalyses{"list abandoned analyses",
    "SELECT f.project_id, f.id FROM files f "
    "LEFT JOIN analysis_owners o ON o.file_id = f.id "
    "LEFT JOIN instances i ON i.id = o.instance "
    "WHERE f.status = 'processing' AND f.deleted_at IS NULL "
    "AND (f.expires_at IS NULL OR f.expires_at > ?1) "
    "AND (i.expires_at IS NULL OR i.expires_at <= ?1) "
    "ORDER BY f.updated_at, f.id LIMIT ?2"};
// clang-format on

}  // namespace
}  // namespace sqlite

using sqlite::Connection;

Status SqliteMetadataStore::RegisterInstance(const std::string& instance_id, int64_t now,
                                             int64_t expires_at) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kRegisterInstance));
    stmt.Bind(1, instance_id);
    stmt.Bind(2, now);
    stmt.Bind(3, expires_at);
    return stmt.Run();  // a registered id is a primary key violation: kConflict
  });
}

Status SqliteMetadataStore::RenewInstance(const std::string& instance_id, int64_t now,
                                          int64_t expires_at) {
  return Write([&](Connection& c) -> Status {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt renew, c.Use(sqlite::kRenewInstance));
      renew.Bind(1, instance_id);
      renew.Bind(2, now);
      renew.Bind(3, expires_at);
      FILESD_RETURN_IF_ERROR(renew.Run());
      if (renew.Changes() == 1) return Status::Ok();
    }
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt get, c.Use(sqlite::kGetInstanceLease));
    get.Bind(1, instance_id);
    FILESD_ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row) return NotFound("no such instance");
    return Conflict("the instance's lease has lapsed", "instance_lease_lapsed");
  });
}

Status SqliteMetadataStore::EndInstance(const std::string& instance_id, int64_t now) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kEndInstance));
    stmt.Bind(1, instance_id);
    stmt.Bind(2, now);
    return stmt.Run();
  });
}

Status SqliteMetadataStore::EndOtherInstances(const std::string& instance_id, int64_t now) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kEndOtherInstances));
    stmt.Bind(1, instance_id);
    stmt.Bind(2, now);
    return stmt.Run();
  });
}

Result<std::optional<int64_t>> SqliteMetadataStore::GetInstanceLease(
    const std::string& instance_id) {
  return Read([&](Connection& c) -> Result<std::optional<int64_t>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kGetInstanceLease));
    stmt.Bind(1, instance_id);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<int64_t>();
    return std::optional<int64_t>(stmt.Int64(0));
  });
}

Result<size_t> SqliteMetadataStore::PurgeInstances(int64_t ended_before, size_t limit) {
  return Write([&](Connection& c) -> Result<size_t> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kPurgeInstances));
    stmt.Bind(1, ended_before);
    stmt.Bind(2, sqlite::ClampToInt64(limit));
    FILESD_RETURN_IF_ERROR(stmt.Run());
    return static_cast<size_t>(stmt.Changes());
  });
}

Result<bool> SqliteMetadataStore::TryAcquireLease(const std::string& name,
                                                  const std::string& holder, int64_t now,
                                                  int64_t expires_at) {
  return Write([&](Connection& c) -> Result<bool> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kAcquireLease));
    stmt.Bind(1, name);
    stmt.Bind(2, holder);
    stmt.Bind(3, now);
    stmt.Bind(4, expires_at);
    FILESD_RETURN_IF_ERROR(stmt.Run());
    return stmt.Changes() == 1;
  });
}

Status SqliteMetadataStore::ReleaseLease(const std::string& name, const std::string& holder) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kReleaseLease));
    stmt.Bind(1, name);
    stmt.Bind(2, holder);
    return stmt.Run();
  });
}

Result<std::string> SqliteMetadataStore::GetOrCreateSetting(const std::string& name,
                                                            const std::string& value,
                                                            int64_t now) {
  return Write([&](Connection& c) -> Result<std::string> {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt insert, c.Use(sqlite::kInsertSetting));
      insert.Bind(1, name);
      insert.Bind(2, value);
      insert.Bind(3, now);
      FILESD_RETURN_IF_ERROR(insert.Run());
    }
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt get, c.Use(sqlite::kGetSetting));
    get.Bind(1, name);
    FILESD_ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row) return Internal("metadata store: a setting vanished inside its transaction");
    return get.Text(0);
  });
}

Result<bool> SqliteMetadataStore::InsertFirstApiKey(const ApiKeyRecord& key) {
  return Write([&](Connection& c) -> Result<bool> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kInsertFirstApiKey));
    stmt.Bind(1, key.key_id);
    stmt.Bind(2, key.project_id);
    stmt.Bind(3, key.secret_hash);
    stmt.Bind(4, key.created_at);
    stmt.Bind(5, key.revoked_at);
    stmt.Bind(6, key.expires_at);
    FILESD_RETURN_IF_ERROR(stmt.Run());
    return stmt.Changes() == 1;
  });
}

Status SqliteMetadataStore::ClaimAnalysis(const std::string& project_id,
                                          const std::string& file_id,
                                          const FilePrecondition& expect, const std::string& owner,
                                          int64_t now) {
  std::optional<std::string> status;
  if (expect.status) status = std::string(FileStatusName(*expect.status));
  std::optional<int64_t> bytes;
  if (expect.bytes) bytes = sqlite::ClampToInt64(*expect.bytes);
  return Write([&](Connection& c) -> Status {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt claim, c.Use(sqlite::kClaimAnalysisFile));
      claim.Bind(1, file_id);
      claim.Bind(2, project_id);
      claim.Bind(3, now);
      claim.Bind(4, status);
      claim.Bind(5, bytes);
      claim.Bind(6, expect.blob_key);
      FILESD_RETURN_IF_ERROR(claim.Run());
      if (claim.Changes() != 1) {
        FILESD_RETURN_IF_ERROR(sqlite::FindVisibleFileState(c, project_id, file_id, now).status());
        return Conflict("the file changed meanwhile");
      }
    }
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt owned, c.Use(sqlite::kRecordAnalysisOwner));
    owned.Bind(1, file_id);
    owned.Bind(2, owner);
    owned.Bind(3, now);
    return owned.Run();
  });
}

Result<std::vector<MetadataStore::AbandonedAnalysis>> SqliteMetadataStore::ListAbandonedAnalyses(
    int64_t now, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<AbandonedAnalysis>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kListAbandonedAnalyses));
    stmt.Bind(1, now);
    stmt.Bind(2, sqlite::ClampToInt64(limit));
    return sqlite::ReadAllRows(stmt, [](const sqlite::Stmt& row) {
      return AbandonedAnalysis{row.Text(0), row.Text(1)};
    });
  });
}

}  // namespace filesd
