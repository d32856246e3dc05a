// SqliteMetadataStore, table family "idempotency keys": the table idempotency_keys (who runs, and
// what answered, a request sent with an Idempotency-Key), its statements and the store's methods
// over it (contracts in metadata_store.h).
#include "meta/sqlite_metadata_store.h"
#include "meta/sqlite_store_tables.h"
#include "meta/sqlite_transaction.h"

namespace filesd {
namespace sqlite {
namespace {

// clang-format off
constexpr SqlStatement kGetIdempotencyKey{"get idempotency key",
    "SELECT project_id, key, owner, created_at, file_id, fingerprint, status_code, response_body "
    "FROM idempotency_keys WHERE project_id = ?1 AND key = ?2"};
constexpr SqlStatement kDeleteExpiredIdempotencyKey{"expire idempotency key",
    "DELETE FROM idempotency_keys WHERE project_id = ?1 AND key = ?2 AND created_at <= ?3"};
constexpr SqlStatement kInsertIdempotencyKey{"claim idempotency key",
    "INSERT INTO idempotency_keys (project_id, key, owner, created_at, file_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (project_id, key) DO NOTHING"};
constexpr SqlStatement kTakeOverIdempotencyKey{"take over idempotency key",
    "UPDATE idempotency_keys SET owner = ?4 "
    "WHERE project_id = ?1 AND key = ?2 AND owner = ?3 AND status_code IS NULL"};
constexpr SqlStatement kAnswerIdempotencyKey{"answer idempotency key",
    "UPDATE idempotency_keys SET fingerprint = ?4, status_code = ?5, response_body = ?6 "
    "WHERE project_id = ?1 AND key = ?2 AND owner = ?3 AND status_code IS NULL"};
constexpr SqlStatement kReleaseIdempotencyKey{"release idempotency key",
    "DELETE FROM idempotency_keys "
    "WHERE project_id = ?1 AND key = ?2 AND owner = ?3 AND status_code IS NULL"};
constexpr SqlStatement kPurgeIdempotencyKeys{"purge idempotency keys",
    "DELETE FROM idempotency_keys WHERE (project_id, key) IN (SELECT project_id, key "
    "FROM idempotency_keys WHERE created_at <= ?1 ORDER BY created_at LIMIT ?2)"};
// clang-format on

// The record of (project_id, key), if any, inside the caller's transaction.
Result<std::optional<IdempotencyRecord>> FindIdempotencyKey(Connection& c,
                                                            const std::string& project_id,
                                                            const std::string& key) {
  FILESD_ASSIGN_OR_RETURN(sqlite::Stmt get, c.Use(kGetIdempotencyKey));
  get.Bind(1, project_id);
  get.Bind(2, key);
  FILESD_ASSIGN_OR_RETURN(bool row, get.Step());
  if (!row) return std::optional<IdempotencyRecord>();
  IdempotencyRecord r;
  r.project_id = get.Text(0);
  r.key = get.Text(1);
  r.owner = get.Text(2);
  r.created_at = get.Int64(3);
  r.file_id = get.OptionalText(4);
  r.fingerprint = get.OptionalText(5);
  if (auto code = get.OptionalInt64(6)) r.status_code = static_cast<int>(*code);
  r.response_body = get.OptionalText(7).value_or("");
  return std::optional<IdempotencyRecord>(std::move(r));
}

// Runs a statement bound to (?1 project, ?2 key, ?3 owner, ...) that changes at most one record;
// when it changed none, tells a gone record (kNotFound) from one in another state (kConflict).
Status ExpectOneIdempotencyChange(Connection& c, sqlite::Stmt& stmt, const std::string& project_id,
                                  const std::string& key) {
  FILESD_RETURN_IF_ERROR(stmt.Run());
  if (stmt.Changes() == 1) return Status::Ok();
  FILESD_ASSIGN_OR_RETURN(std::optional<IdempotencyRecord> now,
                          FindIdempotencyKey(c, project_id, key));
  if (!now) return NotFound("no such idempotency key");
  return Conflict("the idempotency key is answered or held by another request");
}

}  // namespace
}  // namespace sqlite

using sqlite::Connection;
using sqlite::ExpectOneIdempotencyChange;
using sqlite::FindIdempotencyKey;

Result<std::optional<IdempotencyRecord>> SqliteMetadataStore::ClaimIdempotencyKey(
    const std::string& project_id, const std::string& key, const std::string& owner,
    const std::optional<std::string>& file_id, int64_t now, int64_t expired_before) {
  return Write([&](Connection& c) -> Result<std::optional<IdempotencyRecord>> {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt expire, c.Use(sqlite::kDeleteExpiredIdempotencyKey));
      expire.Bind(1, project_id);
      expire.Bind(2, key);
      expire.Bind(3, expired_before);
      FILESD_RETURN_IF_ERROR(expire.Run());
    }
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt insert, c.Use(sqlite::kInsertIdempotencyKey));
      insert.Bind(1, project_id);
      insert.Bind(2, key);
      insert.Bind(3, owner);
      insert.Bind(4, now);
      insert.Bind(5, file_id);
      FILESD_RETURN_IF_ERROR(insert.Run());
      if (insert.Changes() == 1) return std::optional<IdempotencyRecord>();
    }
    return FindIdempotencyKey(c, project_id, key);
  });
}

Status SqliteMetadataStore::TakeOverIdempotencyKey(const std::string& project_id,
                                                   const std::string& key,
                                                   const std::string& old_owner,
                                                   const std::string& new_owner) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kTakeOverIdempotencyKey));
    stmt.Bind(1, project_id);
    stmt.Bind(2, key);
    stmt.Bind(3, old_owner);
    stmt.Bind(4, new_owner);
    return ExpectOneIdempotencyChange(c, stmt, project_id, key);
  });
}

Status SqliteMetadataStore::AnswerIdempotencyKey(const std::string& project_id,
                                                 const std::string& key, const std::string& owner,
                                                 const std::string& fingerprint, int status_code,
                                                 const std::string& response_body) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kAnswerIdempotencyKey));
    stmt.Bind(1, project_id);
    stmt.Bind(2, key);
    stmt.Bind(3, owner);
    stmt.Bind(4, fingerprint);
    stmt.Bind(5, static_cast<int64_t>(status_code));
    stmt.Bind(6, response_body);
    return ExpectOneIdempotencyChange(c, stmt, project_id, key);
  });
}

Status SqliteMetadataStore::ReleaseIdempotencyKey(const std::string& project_id,
                                                  const std::string& key,
                                                  const std::string& owner) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kReleaseIdempotencyKey));
    stmt.Bind(1, project_id);
    stmt.Bind(2, key);
    stmt.Bind(3, owner);
    return stmt.Run();
  });
}

Result<size_t> SqliteMetadataStore::PurgeIdempotencyKeys(int64_t created_before, size_t limit) {
  return Write([&](Connection& c) -> Result<size_t> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kPurgeIdempotencyKeys));
    stmt.Bind(1, created_before);
    stmt.Bind(2, sqlite::ClampToInt64(limit));
    FILESD_RETURN_IF_ERROR(stmt.Run());
    return static_cast<size_t>(stmt.Changes());
  });
}

}  // namespace filesd
