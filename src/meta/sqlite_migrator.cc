#include "meta/sqlite_migrator.h"

#include <map>
#include <string>

#include "base/crypto.h"
#include "meta/sqlite_util.h"

namespace filesd::sqlite {
namespace {

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version    INTEGER NOT NULL PRIMARY KEY,"
    "  name       TEXT NOT NULL,"
    "  checksum   TEXT NOT NULL,"
    "  applied_at INTEGER NOT NULL"
    ") STRICT";

// A statement prepared for one use; migrations run once per Open, so nothing is cached.
class OneShot {
 public:
  OneShot() = default;
  ~OneShot() { sqlite3_finalize(stmt_); }
  OneShot(const OneShot&) = delete;
  OneShot& operator=(const OneShot&) = delete;

  Status Prepare(sqlite3* db, const char* sql, const char* what) {
    const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) return ErrorStatus(db, rc, what);
    return Status::Ok();
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string Label(const SqlMigration& m) {
  std::string label = "migration " + std::to_string(m.version) + " (";
  label += m.name;
  label += ")";
  return label;
}

// version -> checksum of every recorded migration.
using AppliedMap = std::map<int64_t, std::string>;

Result<AppliedMap> ReadApplied(sqlite3* db) {
  constexpr const char* kWhat = "read schema_migrations";
  OneShot query;
  FILESD_RETURN_IF_ERROR(
      query.Prepare(db, "SELECT version, checksum FROM schema_migrations", kWhat));
  Stmt stmt(db, query.get(), kWhat);
  AppliedMap applied;
  while (true) {
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    applied.emplace(stmt.Int64(0), stmt.Text(1));
  }
  return applied;
}

Status CheckRecorded(const SqlMigration& m, const std::string& recorded_checksum,
                     const std::string& checksum) {
  if (recorded_checksum == checksum) return Status::Ok();
  return Internal("metadata store: " + Label(m) +
                  " was edited after it was applied; add a new migration instead");
}

void RollbackQuietly(sqlite3* db) {
  if (sqlite3_get_autocommit(db) == 0) {
    (void)ExecScript(db, "ROLLBACK", "rollback migration");
  }
}

// Applies one migration and its record in one transaction, unless another process got there first.
Status ApplyOne(sqlite3* db, const SqlMigration& m, const std::string& checksum, int64_t now) {
  const std::string label = Label(m);
  FILESD_RETURN_IF_ERROR(ExecScript(db, "BEGIN IMMEDIATE", label));

  // Re-read under the write lock: the earlier read may be stale if another process migrated.
  Result<AppliedMap> applied = ReadApplied(db);
  if (!applied.ok()) {
    RollbackQuietly(db);
    return std::move(applied).TakeStatus();
  }
  if (auto it = applied->find(m.version); it != applied->end()) {
    RollbackQuietly(db);
    return CheckRecorded(m, it->second, checksum);
  }

  // sqlite3_exec needs a NUL-terminated script; the embedded view is not guaranteed to be one.
  const std::string script(m.sql);
  Status status = ExecScript(db, script.c_str(), label);
  if (status.ok()) {
    constexpr const char* kWhat = "record migration";
    OneShot insert;
    status = insert.Prepare(db,
                            "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                            "VALUES (?1, ?2, ?3, ?4)",
                            kWhat);
    if (status.ok()) {
      Stmt stmt(db, insert.get(), kWhat);
      stmt.Bind(1, static_cast<int64_t>(m.version));
      stmt.Bind(2, m.name);
      stmt.Bind(3, checksum);
      stmt.Bind(4, now);
      status = stmt.Run();
    }
  }
  if (status.ok()) status = ExecScript(db, "COMMIT", label);
  if (!status.ok()) RollbackQuietly(db);
  return status;
}

}  // namespace

Status ApplySqliteMigrations(sqlite3* db, std::span<const SqlMigration> migrations, int64_t now) {
  int previous = 0;
  for (const SqlMigration& m : migrations) {
    if (m.version <= previous) {
      return Internal("metadata store: migrations out of order at " + Label(m));
    }
    previous = m.version;
  }

  FILESD_RETURN_IF_ERROR(ExecScript(db, kCreateTable, "create schema_migrations"));
  FILESD_ASSIGN_OR_RETURN(const AppliedMap applied, ReadApplied(db));

  // Refuse before changing anything: a newer binary's database, or an edited migration.
  std::map<int64_t, std::string> checksums;
  for (const SqlMigration& m : migrations) checksums.emplace(m.version, Sha256::HexOf(m.sql));
  for (const auto& [version, recorded] : applied) {
    if (checksums.find(version) == checksums.end()) {
      return Internal("metadata store: the database has schema version " + std::to_string(version) +
                      ", unknown to this filesd (written by a newer version?)");
    }
  }
  for (const SqlMigration& m : migrations) {
    if (auto it = applied.find(m.version); it != applied.end()) {
      FILESD_RETURN_IF_ERROR(CheckRecorded(m, it->second, checksums[m.version]));
    }
  }

  for (const SqlMigration& m : migrations) {
    if (applied.find(m.version) != applied.end()) continue;
    FILESD_RETURN_IF_ERROR(ApplyOne(db, m, checksums[m.version], now));
  }
  return Status::Ok();
}

}  // namespace filesd::sqlite
