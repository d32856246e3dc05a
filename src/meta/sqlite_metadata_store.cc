// SqliteMetadataStore: opening the database (pool, WAL, migrations) and the calls that belong to
// no table family (readiness, test pragmas). The families' methods live in sqlite_store_*.cc; the
// layout and how to add a family are described in sqlite_store_tables.h.
#include "meta/sqlite_metadata_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "base/clock.h"
#include "meta/sql_migrations.h"
#include "meta/sqlite_connection.h"
#include "meta/sqlite_migrator.h"
#include "meta/sqlite_transaction.h"
#include "meta/sqlite_util.h"

namespace filesd {
namespace sqlite {
namespace {

constexpr SqlStatement kReady{"ready", "SELECT count(*) FROM schema_migrations"};

}  // namespace
}  // namespace sqlite

using sqlite::Connection;
using sqlite::ConnectionPool;

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(const std::string& db_path) {
  return Open(db_path, Options());
}

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(const std::string& db_path,
                                                                       const Options& options) {
  if (sqlite3_threadsafe() == 0) {
    return Internal("metadata store: SQLite was built without thread support");
  }
  if (db_path.empty() || db_path == ":memory:") {
    return InvalidArgument("metadata store: the SQLite database must be a file");
  }
  auto pool = std::make_unique<ConnectionPool>(db_path, options.busy_timeout_ms,
                                               options.max_connections);
  {
    FILESD_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool->Acquire());
    // WAL lets readers run beside the writer. The mode is stored in the file, so setting it once
    // here covers every later connection.
    FILESD_ASSIGN_OR_RETURN(std::string mode,
                            sqlite::QueryPragma(lease->db(), "PRAGMA journal_mode = WAL"));
    if (mode != "wal") {
      return Internal("metadata store: cannot enable WAL mode (journal_mode is " + mode + ")");
    }
    FILESD_RETURN_IF_ERROR(
        sqlite::ApplySqliteMigrations(lease->db(), SqliteMigrations(), SystemClock().NowSeconds()));
  }
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(
      std::move(pool), AuthRevisionFile::PathForDatabase(db_path)));
}

SqliteMetadataStore::SqliteMetadataStore(std::unique_ptr<ConnectionPool> pool,
                                         std::string auth_revision_path)
    : pool_(std::move(pool)), auth_revision_(std::move(auth_revision_path)) {}

SqliteMetadataStore::~SqliteMetadataStore() = default;

Status SqliteMetadataStore::CheckReady() {
  return Read([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kReady));
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Internal("metadata store: readiness query returned no row");
    return Status::Ok();
  });
}

Result<std::string> SqliteMetadataStore::PragmaForTesting(std::string_view name) {
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || ch == '_';
  });
  if (!valid) return InvalidArgument("not a pragma name");
  const std::string sql = "PRAGMA " + std::string(name);
  return Read(
      [&](Connection& c) -> Result<std::string> { return sqlite::QueryPragma(c.db(), sql); });
}

}  // namespace filesd
