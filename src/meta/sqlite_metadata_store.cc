#include "meta/sqlite_metadata_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <limits>
#include <type_traits>
#include <utility>

#include "base/clock.h"
#include "base/crypto.h"
#include "meta/quota_rule.h"
#include "meta/sql_migrations.h"
#include "meta/sqlite_migrator.h"
#include "meta/sqlite_util.h"

namespace filesd {
namespace sqlite {

// Every statement the store runs. Each is a fixed string, prepared at most once per connection and
// reused: no call builds SQL or touches the schema. Variants (list order, cursor) are separate
// statements rather than SQL assembled per call.
enum class Sql : int {
  kBeginDeferred,
  kBeginImmediate,
  kCommit,
  kRollback,
  kGetProjectByName,
  kGetProject,
  kListProjects,
  kInsertProject,
  kSetProjectQuota,
  kInsertApiKey,
  kGetApiKey,
  kListApiKeys,
  kRevokeApiKey,
  kCountApiKeys,
  kRecordBlobIntent,
  kRemoveBlobIntent,
  kListBlobIntents,
  kInsertFile,
  kGetFile,
  kGetVisibleCreatedAt,
  kGetVisibleBytes,
  kCountFiles,
  kListFilesAsc,
  kListFilesDesc,
  kListFilesAscAfter,
  kListFilesDescAfter,
  kUpdateFile,
  kSoftDeleteFile,
  kListPurgeable,
  kListStalePending,
  kListProcessing,
  kPurgeFile,
  kUsage,
  kReady,
  kGetSessionState,
  kInsertUploadPart,
  kListUploadParts,
  kDeleteUploadParts,
  kGetIdempotencyKey,
  kDeleteExpiredIdempotencyKey,
  kInsertIdempotencyKey,
  kTakeOverIdempotencyKey,
  kAnswerIdempotencyKey,
  kReleaseIdempotencyKey,
  kPurgeIdempotencyKeys,
  kCount,
};

// The column order every file query selects and CreateFile binds (?1..?17).
#define FILESD_FILE_COLUMNS                                                               \
  "id, project_id, filename, purpose, bytes, status, status_details, mime_type, sha256, " \
  "blob_key, created_at, updated_at, expires_at, processed_at, metadata_json, "           \
  "processing_summary, deleted_at"
// The visibility rule of metadata_store.h, with `now` as the given parameter.
#define FILESD_VISIBLE_AT(now) "deleted_at IS NULL AND (expires_at IS NULL OR expires_at > " now ")"
// Listing: ?1 project, ?2 now, ?3 purpose or NULL, ?4/?5 the cursor's (created_at, id), ?6 limit,
// ?7 offset. Served by the files_live_by_project index in either direction.
#define FILESD_LIST_WHERE \
  "project_id = ?1 AND " FILESD_VISIBLE_AT("?2") " AND (?3 IS NULL OR purpose = ?3)"
#define FILESD_PROJECT_COLUMNS "id, name, created_at, quota_bytes, quota_files"
#define FILESD_KEY_COLUMNS "key_id, project_id, secret_hash, created_at, revoked_at, expires_at"

struct SqlText {
  Sql id;
  const char* what;  // names the operation in error messages
  const char* text;
};

// String pieces line up with the SQL they build.
// clang-format off
constexpr SqlText kSqlTexts[] = {
    {Sql::kBeginDeferred, "begin", "BEGIN DEFERRED"},
    {Sql::kBeginImmediate, "begin write", "BEGIN IMMEDIATE"},
    {Sql::kCommit, "commit", "COMMIT"},
    {Sql::kRollback, "rollback", "ROLLBACK"},
    {Sql::kGetProjectByName, "get project by name",
     "SELECT " FILESD_PROJECT_COLUMNS " FROM projects WHERE name = ?1"},
    {Sql::kGetProject, "get project",
     "SELECT " FILESD_PROJECT_COLUMNS " FROM projects WHERE id = ?1"},
    {Sql::kListProjects, "list projects",
     "SELECT " FILESD_PROJECT_COLUMNS " FROM projects ORDER BY name"},
    {Sql::kInsertProject, "insert project",
     "INSERT INTO projects (id, name, created_at) VALUES (?1, ?2, ?3) "
     "ON CONFLICT (name) DO NOTHING"},
    {Sql::kSetProjectQuota, "set project quota",
     "UPDATE projects SET quota_bytes = ?2, quota_files = ?3 WHERE id = ?1"},
    {Sql::kInsertApiKey, "insert api key",
     "INSERT INTO api_keys (" FILESD_KEY_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    {Sql::kGetApiKey, "get api key",
     "SELECT " FILESD_KEY_COLUMNS " FROM api_keys WHERE key_id = ?1"},
    {Sql::kListApiKeys, "list api keys",
     "SELECT " FILESD_KEY_COLUMNS " FROM api_keys ORDER BY created_at, key_id"},
    {Sql::kRevokeApiKey, "revoke api key",
     "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE key_id = ?1"},
    {Sql::kCountApiKeys, "count api keys", "SELECT count(*) FROM api_keys WHERE project_id = ?1"},
    {Sql::kRecordBlobIntent, "record blob intent",
     "INSERT INTO blob_intents (blob_key, created_at) VALUES (?1, ?2) "
     "ON CONFLICT (blob_key) DO NOTHING"},
    {Sql::kRemoveBlobIntent, "remove blob intent", "DELETE FROM blob_intents WHERE blob_key = ?1"},
    {Sql::kListBlobIntents, "list blob intents",
     "SELECT blob_key FROM blob_intents WHERE created_at <= ?1 "
     "ORDER BY created_at, blob_key LIMIT ?2"},
    {Sql::kInsertFile, "insert file",
     "INSERT INTO files (" FILESD_FILE_COLUMNS ") VALUES "
     "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"},
    {Sql::kGetFile, "get file",
     "SELECT " FILESD_FILE_COLUMNS " FROM files "
     "WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")},
    {Sql::kGetVisibleCreatedAt, "find file",
     "SELECT created_at FROM files WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")},
    {Sql::kGetVisibleBytes, "find file",
     "SELECT bytes FROM files WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")},
    {Sql::kCountFiles, "count files", "SELECT count(*) FROM files WHERE " FILESD_LIST_WHERE},
    {Sql::kListFilesAsc, "list files",
     "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE " FILESD_LIST_WHERE
     " ORDER BY created_at ASC, id ASC LIMIT ?6 OFFSET ?7"},
    {Sql::kListFilesDesc, "list files",
     "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE " FILESD_LIST_WHERE
     " ORDER BY created_at DESC, id DESC LIMIT ?6 OFFSET ?7"},
    {Sql::kListFilesAscAfter, "list files",
     "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE " FILESD_LIST_WHERE
     " AND (created_at, id) > (?4, ?5) ORDER BY created_at ASC, id ASC LIMIT ?6 OFFSET ?7"},
    {Sql::kListFilesDescAfter, "list files",
     "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE " FILESD_LIST_WHERE
     " AND (created_at, id) < (?4, ?5) ORDER BY created_at DESC, id DESC LIMIT ?6 OFFSET ?7"},
    // ?1 id, ?2 project, ?3 now, ?4..?16 the new values, ?17..?19 the preconditions (NULL: any).
    {Sql::kUpdateFile, "update file",
     "UPDATE files SET filename = ?4, purpose = ?5, bytes = ?6, status = ?7, status_details = ?8, "
     "mime_type = ?9, sha256 = ?10, blob_key = ?11, updated_at = ?12, expires_at = ?13, "
     "processed_at = ?14, metadata_json = ?15, processing_summary = ?16 "
     "WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")
     " AND (?17 IS NULL OR status = ?17) AND (?18 IS NULL OR bytes = ?18) "
     "AND (?19 IS NULL OR blob_key = ?19)"},
    {Sql::kSoftDeleteFile, "delete file",
     "UPDATE files SET deleted_at = ?3 "
     "WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")},
    // Served by the partial indexes files_deleted and files_expiring (an OR of two index ranges).
    {Sql::kListPurgeable, "list purgeable files",
     "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE deleted_at <= ?1 OR expires_at <= ?2 "
     "ORDER BY created_at, id LIMIT ?3"},
    {Sql::kListStalePending, "list stale pending files",
     "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE status = 'pending' AND created_at <= ?1 "
     "ORDER BY created_at, id LIMIT ?2"},
    // Served by the partial index files_processing.
    {Sql::kListProcessing, "list processing files",
     "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE status = 'processing' "
     "ORDER BY updated_at, id LIMIT ?1"},
    {Sql::kPurgeFile, "purge file", "DELETE FROM files WHERE id = ?1"},
    {Sql::kUsage, "usage",
     "SELECT count(*), coalesce(sum(bytes), 0) FROM files "
     "WHERE project_id = ?1 AND " FILESD_VISIBLE_AT("?2")},
    {Sql::kReady, "ready", "SELECT count(*) FROM schema_migrations"},
    {Sql::kGetSessionState, "get upload session",
     "SELECT status, bytes FROM files "
     "WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")},
    {Sql::kInsertUploadPart, "insert upload part",
     "INSERT INTO upload_parts (id, file_id, bytes, blob_key, created_at) "
     "VALUES (?1, ?2, ?3, ?4, ?5)"},
    {Sql::kListUploadParts, "list upload parts",
     "SELECT id, file_id, bytes, blob_key, created_at FROM upload_parts WHERE file_id = ?1 "
     "ORDER BY created_at, id"},
    {Sql::kDeleteUploadParts, "delete upload parts", "DELETE FROM upload_parts WHERE file_id = ?1"},
    {Sql::kGetIdempotencyKey, "get idempotency key",
     "SELECT project_id, key, owner, created_at, file_id, fingerprint, status_code, response_body "
     "FROM idempotency_keys WHERE project_id = ?1 AND key = ?2"},
    {Sql::kDeleteExpiredIdempotencyKey, "expire idempotency key",
     "DELETE FROM idempotency_keys WHERE project_id = ?1 AND key = ?2 AND created_at <= ?3"},
    {Sql::kInsertIdempotencyKey, "claim idempotency key",
     "INSERT INTO idempotency_keys (project_id, key, owner, created_at, file_id) "
     "VALUES (?1, ?2, ?3, ?4, ?5) "
     "ON CONFLICT (project_id, key) DO NOTHING"},
    {Sql::kTakeOverIdempotencyKey, "take over idempotency key",
     "UPDATE idempotency_keys SET owner = ?4 "
     "WHERE project_id = ?1 AND key = ?2 AND owner = ?3 AND status_code IS NULL"},
    {Sql::kAnswerIdempotencyKey, "answer idempotency key",
     "UPDATE idempotency_keys SET fingerprint = ?4, status_code = ?5, response_body = ?6 "
     "WHERE project_id = ?1 AND key = ?2 AND owner = ?3 AND status_code IS NULL"},
    {Sql::kReleaseIdempotencyKey, "release idempotency key",
     "DELETE FROM idempotency_keys "
     "WHERE project_id = ?1 AND key = ?2 AND owner = ?3 AND status_code IS NULL"},
    {Sql::kPurgeIdempotencyKeys, "purge idempotency keys",
     "DELETE FROM idempotency_keys WHERE (project_id, key) IN (SELECT project_id, key "
     "FROM idempotency_keys WHERE created_at <= ?1 ORDER BY created_at LIMIT ?2)"},
};
// clang-format on

#undef FILESD_FILE_COLUMNS
#undef FILESD_VISIBLE_AT
#undef FILESD_LIST_WHERE
#undef FILESD_PROJECT_COLUMNS
#undef FILESD_KEY_COLUMNS

constexpr size_t kSqlCount = static_cast<size_t>(Sql::kCount);

constexpr bool SqlTextsInEnumOrder() {
  if (std::size(kSqlTexts) != kSqlCount) return false;
  for (size_t i = 0; i < kSqlCount; ++i) {
    if (static_cast<size_t>(kSqlTexts[i].id) != i) return false;
  }
  return true;
}
static_assert(SqlTextsInEnumOrder(), "kSqlTexts must list every Sql value, in enum order");

// One SQLite connection with its cached statements. Used by one thread at a time (the pool hands
// it out), so it is opened in SQLite's multi-thread mode, without per-connection mutexes.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int busy_timeout_ms) {
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      Status status = sqlite::ErrorStatus(db, rc, "open database");
      sqlite3_close_v2(db);  // a handle may be returned even on failure; null is a no-op
      return status;
    }
    std::unique_ptr<Connection> conn(new Connection(db));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    // Both settings belong to the connection, not the file, so every pooled connection sets them.
    //  * synchronous=FULL: in WAL mode, NORMAL fsyncs the WAL only at checkpoints, so a commit
    //    survives a crash of the process but the last transactions can vanish on power loss or an
    //    OS crash. filesd acknowledges an upload only once its row is committed and promises it
    //    survives, so the WAL is fsynced at every commit. The cost is one fsync per write
    //    transaction; reads pay nothing.
    //  * foreign_keys: off by default in SQLite; rows must not point at missing projects.
    FILESD_RETURN_IF_ERROR(sqlite::ExecScript(
        db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", "configure connection"));
    return conn;
  }

  ~Connection() {
    for (sqlite3_stmt* stmt : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // The cached statement `id`, ready to bind; prepared on first use.
  Result<sqlite::Stmt> Use(Sql id) {
    const auto index = static_cast<size_t>(id);
    sqlite3_stmt*& stmt = statements_[index];
    if (stmt == nullptr) {
      const int rc = sqlite3_prepare_v3(db_, kSqlTexts[index].text, -1, SQLITE_PREPARE_PERSISTENT,
                                        &stmt, nullptr);
      if (rc != SQLITE_OK) {
        Status status = sqlite::ErrorStatus(db_, rc, kSqlTexts[index].what);
        sqlite3_finalize(stmt);
        stmt = nullptr;
        return status;
      }
    }
    return sqlite::Stmt(db_, stmt, kSqlTexts[index].what);
  }

  // Runs a statement that takes no parameters and returns no rows (BEGIN, COMMIT, ...).
  Status Exec(Sql id) {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, Use(id));
    return stmt.Run();
  }

  // Ends a transaction left open by a failure. SQLite rolls back by itself after some errors, hence
  // the check.
  // A failed ROLLBACK is not reported: short of a dying database it cannot leave the transaction
  // open, and if it did, the next BEGIN on this connection would fail and report it.
  void RollbackIfOpen() {
    if (sqlite3_get_autocommit(db_) == 0) (void)Exec(Sql::kRollback);
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::array<sqlite3_stmt*, kSqlCount> statements_{};
};

// Connections handed out one per caller and returned on release, most recently used first (its
// pages and statements are warm). At most `max_connections` exist; callers beyond wait.
class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->Release(std::move(conn_));
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  ConnectionPool(std::string path, const SqliteMetadataStore::Options& options)
      : path_(std::move(path)),
        busy_timeout_ms_(options.busy_timeout_ms),
        max_connections_(std::max<size_t>(1, options.max_connections)) {}

  ~ConnectionPool() {
    std::lock_guard<std::mutex> lock(mu_);
    FILESD_CHECK(idle_.size() == open_);  // every lease returned
  }

  Result<Lease> Acquire() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return !idle_.empty() || open_ < max_connections_; });
      if (!idle_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(conn));
      }
      ++open_;  // reserve the slot, then open outside the lock
    }
    Result<std::unique_ptr<Connection>> conn = Connection::Open(path_, busy_timeout_ms_);
    if (!conn.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        --open_;
      }
      cv_.notify_one();
      return std::move(conn).TakeStatus();
    }
    return Lease(this, std::move(conn).value());
  }

 private:
  void Release(std::unique_ptr<Connection> conn) {
    conn->RollbackIfOpen();  // never hand a connection on inside a transaction
    {
      std::lock_guard<std::mutex> lock(mu_);
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

  const std::string path_;
  const int busy_timeout_ms_;
  const size_t max_connections_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                // guarded by mu_: idle plus leased
};

namespace {

template <typename Fn>
using CallResult = std::invoke_result_t<Fn&, Connection&>;

// Runs `fn` between `begin` and COMMIT; rolls back when `fn` or the commit fails.
template <typename Fn>
CallResult<Fn> RunInTransaction(Connection& conn, Sql begin, Fn& fn) {
  FILESD_RETURN_IF_ERROR(conn.Exec(begin));
  CallResult<Fn> result = fn(conn);
  if (!result.ok()) {
    conn.RollbackIfOpen();
    return result;
  }
  Status commit = conn.Exec(Sql::kCommit);
  if (!commit.ok()) {
    conn.RollbackIfOpen();
    return commit;
  }
  return result;
}

// SQLite integers are signed 64-bit; larger sizes and quotas are refused rather than wrapped.
constexpr uint64_t kMaxStoredUnsigned = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

int64_t ClampToInt64(uint64_t v) { return static_cast<int64_t>(std::min(v, kMaxStoredUnsigned)); }

std::optional<int64_t> OptionalToInt64(const std::optional<uint64_t>& v) {
  if (!v.has_value()) return std::nullopt;
  return static_cast<int64_t>(*v);
}

Result<FileRecord> ReadFileRow(const sqlite::Stmt& row) {
  FileRecord f;
  f.id = row.Text(0);
  f.project_id = row.Text(1);
  f.filename = row.Text(2);
  f.purpose = row.Text(3);
  f.bytes = static_cast<uint64_t>(row.Int64(4));
  const std::optional<FileStatus> status = ParseFileStatus(row.TextView(5));
  if (!status.has_value()) return Internal("metadata store: file row with an unknown status");
  f.status = *status;
  f.status_details = row.OptionalText(6);
  f.mime_type = row.Text(7);
  f.sha256 = row.OptionalText(8);
  f.blob_key = row.Text(9);
  f.created_at = row.Int64(10);
  f.updated_at = row.Int64(11);
  f.expires_at = row.OptionalInt64(12);
  f.processed_at = row.OptionalInt64(13);
  f.metadata_json = row.OptionalText(14);
  f.processing_summary = row.OptionalText(15);
  f.deleted_at = row.OptionalInt64(16);
  return f;
}

Project ReadProjectRow(const sqlite::Stmt& row) {
  Project p;
  p.id = row.Text(0);
  p.name = row.Text(1);
  p.created_at = row.Int64(2);
  if (!row.IsNull(3)) p.quota_bytes = static_cast<uint64_t>(row.Int64(3));
  if (!row.IsNull(4)) p.quota_files = static_cast<uint64_t>(row.Int64(4));
  return p;
}

ApiKeyRecord ReadKeyRow(const sqlite::Stmt& row) {
  ApiKeyRecord k;
  k.key_id = row.Text(0);
  k.project_id = row.Text(1);
  k.secret_hash = row.Text(2);
  k.created_at = row.Int64(3);
  k.revoked_at = row.OptionalInt64(4);
  k.expires_at = row.OptionalInt64(5);
  return k;
}

Status NoSuchFile(const std::string& file_id) { return NotFound("No such file: " + file_id); }

// Reads every row of `stmt` as files.
Result<std::vector<FileRecord>> ReadFileRows(sqlite::Stmt& stmt) {
  std::vector<FileRecord> files;
  while (true) {
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return files;
    FILESD_ASSIGN_OR_RETURN(FileRecord f, ReadFileRow(stmt));
    files.push_back(std::move(f));
  }
}

Status RemoveIntent(Connection& conn, const std::string& blob_key) {
  if (blob_key.empty()) return Status::Ok();
  FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, conn.Use(Sql::kRemoveBlobIntent));
  stmt.Bind(1, blob_key);
  return stmt.Run();
}

Result<std::string> QueryPragma(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
  if (rc != SQLITE_OK) return sqlite::ErrorStatus(db, rc, "pragma");
  std::string value;
  {
    sqlite::Stmt stmt(db, raw, "pragma");
    Result<bool> row = stmt.Step();
    if (row.ok() && *row) value = stmt.Text(0);
    if (!row.ok()) {
      Status status = std::move(row).TakeStatus();
      sqlite3_finalize(raw);
      return status;
    }
  }
  sqlite3_finalize(raw);
  return value;
}

}  // namespace
}  // namespace sqlite

using sqlite::CallResult;
using sqlite::ClampToInt64;
using sqlite::Connection;
using sqlite::ConnectionPool;
using sqlite::kMaxStoredUnsigned;
using sqlite::Sql;

// ---- plumbing ----

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
  auto pool = std::make_unique<ConnectionPool>(db_path, options);
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
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(pool)));
}

SqliteMetadataStore::SqliteMetadataStore(std::unique_ptr<ConnectionPool> pool)
    : pool_(std::move(pool)) {}

SqliteMetadataStore::~SqliteMetadataStore() = default;

template <typename Fn>
auto SqliteMetadataStore::Read(Fn&& fn) {
  using R = CallResult<Fn>;
  Result<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return R(std::move(lease).TakeStatus());
  return R(fn(**lease));
}

template <typename Fn>
auto SqliteMetadataStore::ReadSnapshot(Fn&& fn) {
  using R = CallResult<Fn>;
  Result<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return R(std::move(lease).TakeStatus());
  return R(sqlite::RunInTransaction(**lease, Sql::kBeginDeferred, fn));
}

template <typename Fn>
auto SqliteMetadataStore::Write(Fn&& fn) {
  using R = CallResult<Fn>;
  Result<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return R(std::move(lease).TakeStatus());
  std::lock_guard<std::mutex> lock(write_mu_);
  return R(sqlite::RunInTransaction(**lease, Sql::kBeginImmediate, fn));
}

// ---- projects and keys ----

Result<Project> SqliteMetadataStore::EnsureProject(const std::string& name, int64_t now) {
  // The common case (the project exists) reads only; the write lock is taken to create it.
  Result<Project> existing = GetProjectByName(name);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;

  const std::string id = NewUuidV4();
  return Write([&](Connection& c) -> Result<Project> {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt insert, c.Use(Sql::kInsertProject));
      insert.Bind(1, id);
      insert.Bind(2, name);
      insert.Bind(3, now);
      FILESD_RETURN_IF_ERROR(insert.Run());  // a no-op if the name was taken meanwhile
    }
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt get, c.Use(Sql::kGetProjectByName));
    get.Bind(1, name);
    FILESD_ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row) return Internal("metadata store: project vanished while being created");
    return sqlite::ReadProjectRow(get);
  });
}

Result<Project> SqliteMetadataStore::GetProjectByName(const std::string& name) {
  return Read([&](Connection& c) -> Result<Project> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kGetProjectByName));
    stmt.Bind(1, name);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("No such project: " + name);
    return sqlite::ReadProjectRow(stmt);
  });
}

Result<std::vector<Project>> SqliteMetadataStore::ListProjects() {
  return Read([&](Connection& c) -> Result<std::vector<Project>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kListProjects));
    std::vector<Project> projects;
    while (true) {
      FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return projects;
      projects.push_back(sqlite::ReadProjectRow(stmt));
    }
  });
}

Result<Project> SqliteMetadataStore::GetProject(const std::string& project_id) {
  return Read([&](Connection& c) -> Result<Project> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kGetProject));
    stmt.Bind(1, project_id);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("No such project: " + project_id);
    return sqlite::ReadProjectRow(stmt);
  });
}

Status SqliteMetadataStore::SetProjectQuota(const std::string& project_id,
                                            std::optional<uint64_t> quota_bytes,
                                            std::optional<uint64_t> quota_files) {
  if ((quota_bytes && *quota_bytes > kMaxStoredUnsigned) ||
      (quota_files && *quota_files > kMaxStoredUnsigned)) {
    return InvalidArgument("quota out of range");
  }
  const std::optional<int64_t> bytes = sqlite::OptionalToInt64(quota_bytes);
  const std::optional<int64_t> files = sqlite::OptionalToInt64(quota_files);
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kSetProjectQuota));
    stmt.Bind(1, project_id);
    stmt.Bind(2, bytes);
    stmt.Bind(3, files);
    FILESD_RETURN_IF_ERROR(stmt.Run());
    // SQLite counts matched rows, even when the values are unchanged.
    if (stmt.Changes() == 0) return NotFound("No such project: " + project_id);
    return Status::Ok();
  });
}

Status SqliteMetadataStore::InsertApiKey(const ApiKeyRecord& key) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kInsertApiKey));
    stmt.Bind(1, key.key_id);
    stmt.Bind(2, key.project_id);
    stmt.Bind(3, key.secret_hash);
    stmt.Bind(4, key.created_at);
    stmt.Bind(5, key.revoked_at);
    stmt.Bind(6, key.expires_at);
    return stmt.Run();  // a taken key_id is a primary key violation: kConflict
  });
}

Result<ApiKeyRecord> SqliteMetadataStore::GetApiKey(const std::string& key_id) {
  return Read([&](Connection& c) -> Result<ApiKeyRecord> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kGetApiKey));
    stmt.Bind(1, key_id);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("No such API key");
    return sqlite::ReadKeyRow(stmt);
  });
}

Result<std::vector<ApiKeyRecord>> SqliteMetadataStore::ListApiKeys() {
  return Read([&](Connection& c) -> Result<std::vector<ApiKeyRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kListApiKeys));
    std::vector<ApiKeyRecord> keys;
    while (true) {
      FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return keys;
      keys.push_back(sqlite::ReadKeyRow(stmt));
    }
  });
}

Status SqliteMetadataStore::RevokeApiKey(const std::string& key_id, int64_t now) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kRevokeApiKey));
    stmt.Bind(1, key_id);
    stmt.Bind(2, now);
    FILESD_RETURN_IF_ERROR(stmt.Run());
    if (stmt.Changes() == 0) return NotFound("No such API key");
    return Status::Ok();
  });
}

Result<uint64_t> SqliteMetadataStore::CountApiKeys(const std::string& project_id) {
  return Read([&](Connection& c) -> Result<uint64_t> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kCountApiKeys));
    stmt.Bind(1, project_id);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Internal("metadata store: count returned no row");
    return static_cast<uint64_t>(stmt.Int64(0));
  });
}

// ---- blob intents ----

Status SqliteMetadataStore::RecordBlobIntent(const std::string& blob_key, int64_t now) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kRecordBlobIntent));
    stmt.Bind(1, blob_key);
    stmt.Bind(2, now);
    return stmt.Run();
  });
}

Status SqliteMetadataStore::RemoveBlobIntent(const std::string& blob_key) {
  return Write([&](Connection& c) -> Status { return sqlite::RemoveIntent(c, blob_key); });
}

Result<std::vector<std::string>> SqliteMetadataStore::ListBlobIntents(int64_t created_before,
                                                                      size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<std::string>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kListBlobIntents));
    stmt.Bind(1, created_before);
    stmt.Bind(2, ClampToInt64(limit));
    std::vector<std::string> keys;
    while (true) {
      FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return keys;
      keys.push_back(stmt.Text(0));
    }
  });
}

// ---- files ----

namespace {

// The quota rule (meta/quota_rule.h) for `project_id` growing by `add_bytes` in `add_files` files,
// read and decided inside the caller's write transaction, so no concurrent change slips between.
Status EnforceQuota(Connection& c, const std::string& project_id, int64_t now, uint64_t add_bytes,
                    uint64_t add_files) {
  QuotaLimits limits;
  {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt get, c.Use(Sql::kGetProject));
    get.Bind(1, project_id);
    FILESD_ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row) return Status::Ok();  // the foreign key refuses the row itself
    const Project p = sqlite::ReadProjectRow(get);
    limits = QuotaLimits{p.quota_bytes, p.quota_files};
  }
  if (!limits.bytes && !limits.files) return Status::Ok();
  FILESD_ASSIGN_OR_RETURN(sqlite::Stmt usage, c.Use(Sql::kUsage));
  usage.Bind(1, project_id);
  usage.Bind(2, now);
  FILESD_ASSIGN_OR_RETURN(bool row, usage.Step());
  if (!row) return Internal("metadata store: usage returned no row");
  return CheckQuota(limits, static_cast<uint64_t>(usage.Int64(1)),
                    static_cast<uint64_t>(usage.Int64(0)), add_bytes, add_files);
}

}  // namespace

Status SqliteMetadataStore::CreateFile(const FileRecord& file) {
  if (file.bytes > kMaxStoredUnsigned) return InvalidArgument("file size out of range");
  const bool visible = !file.deleted_at && (!file.expires_at || *file.expires_at > file.created_at);
  return Write([&](Connection& c) -> Status {
    if (visible) {
      FILESD_RETURN_IF_ERROR(EnforceQuota(c, file.project_id, file.created_at, file.bytes, 1));
    }
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kInsertFile));
      stmt.Bind(1, file.id);
      stmt.Bind(2, file.project_id);
      stmt.Bind(3, file.filename);
      stmt.Bind(4, file.purpose);
      stmt.Bind(5, static_cast<int64_t>(file.bytes));
      stmt.Bind(6, FileStatusName(file.status));
      stmt.Bind(7, file.status_details);
      stmt.Bind(8, file.mime_type);
      stmt.Bind(9, file.sha256);
      stmt.Bind(10, file.blob_key);
      stmt.Bind(11, file.created_at);
      stmt.Bind(12, file.updated_at);
      stmt.Bind(13, file.expires_at);
      stmt.Bind(14, file.processed_at);
      stmt.Bind(15, file.metadata_json);
      stmt.Bind(16, file.processing_summary);
      stmt.Bind(17, file.deleted_at);
      FILESD_RETURN_IF_ERROR(stmt.Run());  // a taken id is kConflict
    }
    return sqlite::RemoveIntent(c, file.blob_key);
  });
}

Result<FileRecord> SqliteMetadataStore::GetFile(const std::string& project_id,
                                                const std::string& file_id, int64_t now) {
  return Read([&](Connection& c) -> Result<FileRecord> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kGetFile));
    stmt.Bind(1, file_id);
    stmt.Bind(2, project_id);
    stmt.Bind(3, now);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return sqlite::NoSuchFile(file_id);
    return sqlite::ReadFileRow(stmt);
  });
}

Result<FileList> SqliteMetadataStore::ListFiles(const std::string& project_id,
                                                const ListFilesQuery& query, int64_t now) {
  // One read transaction: the cursor, the total and the page see the same snapshot.
  return ReadSnapshot([&](Connection& c) -> Result<FileList> {
    int64_t cursor_created_at = 0;
    if (query.after_id.has_value()) {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt find, c.Use(Sql::kGetVisibleCreatedAt));
      find.Bind(1, *query.after_id);
      find.Bind(2, project_id);
      find.Bind(3, now);
      FILESD_ASSIGN_OR_RETURN(bool row, find.Step());
      if (!row) return sqlite::NoSuchFile(*query.after_id).WithParam("after");
      cursor_created_at = find.Int64(0);
    }

    FileList list;
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt count, c.Use(Sql::kCountFiles));
      count.Bind(1, project_id);
      count.Bind(2, now);
      count.Bind(3, query.purpose);
      FILESD_ASSIGN_OR_RETURN(bool row, count.Step());
      if (!row) return Internal("metadata store: count returned no row");
      list.total = static_cast<uint64_t>(count.Int64(0));
    }

    const bool asc = query.order == SortOrder::kAsc;
    const bool after = query.after_id.has_value();
    const Sql which = asc ? (after ? Sql::kListFilesAscAfter : Sql::kListFilesAsc)
                          : (after ? Sql::kListFilesDescAfter : Sql::kListFilesDesc);
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt page, c.Use(which));
    page.Bind(1, project_id);
    page.Bind(2, now);
    page.Bind(3, query.purpose);
    page.Bind(4, cursor_created_at);
    page.Bind(5, after ? std::string_view(*query.after_id) : std::string_view());
    // One row beyond the page tells whether there is more.
    page.Bind(6, static_cast<int64_t>(query.limit) + 1);
    page.Bind(7, ClampToInt64(query.offset));
    list.files.reserve(std::min<size_t>(query.limit, 1000));
    while (true) {
      FILESD_ASSIGN_OR_RETURN(bool row, page.Step());
      if (!row) break;
      if (list.files.size() == query.limit) {
        list.has_more = true;
        break;
      }
      FILESD_ASSIGN_OR_RETURN(FileRecord f, sqlite::ReadFileRow(page));
      list.files.push_back(std::move(f));
    }
    return list;
  });
}

Status SqliteMetadataStore::UpdateFile(const FileRecord& updated, const FilePrecondition& expect,
                                       int64_t now) {
  if (updated.bytes > kMaxStoredUnsigned) return InvalidArgument("file size out of range");
  return Write([&](Connection& c) -> Status {
    {
      // Growth counts against the byte quota.
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt find, c.Use(Sql::kGetVisibleBytes));
      find.Bind(1, updated.id);
      find.Bind(2, updated.project_id);
      find.Bind(3, now);
      FILESD_ASSIGN_OR_RETURN(bool row, find.Step());
      if (!row) return sqlite::NoSuchFile(updated.id);
      const auto old_bytes = static_cast<uint64_t>(find.Int64(0));
      if (updated.bytes > old_bytes) {
        FILESD_RETURN_IF_ERROR(
            EnforceQuota(c, updated.project_id, now, updated.bytes - old_bytes, 0));
      }
    }
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kUpdateFile));
      stmt.Bind(1, updated.id);
      stmt.Bind(2, updated.project_id);
      stmt.Bind(3, now);
      stmt.Bind(4, updated.filename);
      stmt.Bind(5, updated.purpose);
      stmt.Bind(6, static_cast<int64_t>(updated.bytes));
      stmt.Bind(7, FileStatusName(updated.status));
      stmt.Bind(8, updated.status_details);
      stmt.Bind(9, updated.mime_type);
      stmt.Bind(10, updated.sha256);
      stmt.Bind(11, updated.blob_key);
      stmt.Bind(12, updated.updated_at);
      stmt.Bind(13, updated.expires_at);
      stmt.Bind(14, updated.processed_at);
      stmt.Bind(15, updated.metadata_json);
      stmt.Bind(16, updated.processing_summary);
      if (expect.status.has_value()) {
        stmt.Bind(17, FileStatusName(*expect.status));
      } else {
        stmt.BindNull(17);
      }
      // A precondition beyond INT64_MAX matches no stored row: it wraps negative, and bytes >= 0.
      stmt.Bind(18, sqlite::OptionalToInt64(expect.bytes));
      stmt.Bind(19, expect.blob_key);
      FILESD_RETURN_IF_ERROR(stmt.Run());
      if (stmt.Changes() == 1) return sqlite::RemoveIntent(c, updated.blob_key);
    }
    // Nothing changed: an invisible row is kNotFound, a visible one failed the precondition.
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt find, c.Use(Sql::kGetVisibleCreatedAt));
    find.Bind(1, updated.id);
    find.Bind(2, updated.project_id);
    find.Bind(3, now);
    FILESD_ASSIGN_OR_RETURN(bool row, find.Step());
    if (!row) return sqlite::NoSuchFile(updated.id);
    return Conflict("The file changed meanwhile; it is not in the expected state");
  });
}

Status SqliteMetadataStore::SoftDeleteFile(const std::string& project_id,
                                           const std::string& file_id, int64_t now) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kSoftDeleteFile));
    stmt.Bind(1, file_id);
    stmt.Bind(2, project_id);
    stmt.Bind(3, now);
    FILESD_RETURN_IF_ERROR(stmt.Run());
    if (stmt.Changes() == 0) return sqlite::NoSuchFile(file_id);
    return Status::Ok();
  });
}

Result<std::vector<FileRecord>> SqliteMetadataStore::ListPurgeableFiles(int64_t deleted_before,
                                                                        int64_t now, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<FileRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kListPurgeable));
    stmt.Bind(1, deleted_before);
    stmt.Bind(2, now);
    stmt.Bind(3, ClampToInt64(limit));
    return sqlite::ReadFileRows(stmt);
  });
}

Result<std::vector<FileRecord>> SqliteMetadataStore::ListStalePendingFiles(int64_t created_before,
                                                                           size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<FileRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kListStalePending));
    stmt.Bind(1, created_before);
    stmt.Bind(2, ClampToInt64(limit));
    return sqlite::ReadFileRows(stmt);
  });
}

Result<std::vector<FileRecord>> SqliteMetadataStore::ListProcessingFiles(size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<FileRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kListProcessing));
    stmt.Bind(1, ClampToInt64(limit));
    return sqlite::ReadFileRows(stmt);
  });
}

Status SqliteMetadataStore::PurgeFile(const std::string& file_id) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kPurgeFile));
    stmt.Bind(1, file_id);
    return stmt.Run();
  });
}

// ---- upload parts ----

Status SqliteMetadataStore::AddUploadPart(const std::string& project_id,
                                          const UploadPartRecord& part, int64_t now) {
  if (part.bytes > kMaxStoredUnsigned) return InvalidArgument("part size out of range");
  return Write([&](Connection& c) -> Status {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt get, c.Use(Sql::kGetSessionState));
      get.Bind(1, part.file_id);
      get.Bind(2, project_id);
      get.Bind(3, now);
      FILESD_ASSIGN_OR_RETURN(bool row, get.Step());
      if (!row) return sqlite::NoSuchFile(part.file_id);
      if (get.TextView(0) != FileStatusName(FileStatus::kUploading)) {
        return Conflict("The upload session is no longer open");
      }
      if (get.Int64(1) != 0) {
        return Conflict("The upload session already has appended content; it cannot take parts");
      }
    }
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt insert, c.Use(Sql::kInsertUploadPart));
      insert.Bind(1, part.id);
      insert.Bind(2, part.file_id);
      insert.Bind(3, static_cast<int64_t>(part.bytes));
      insert.Bind(4, part.blob_key);
      insert.Bind(5, part.created_at);
      FILESD_RETURN_IF_ERROR(insert.Run());  // a taken id is kConflict
    }
    return sqlite::RemoveIntent(c, part.blob_key);
  });
}

Result<std::vector<UploadPartRecord>> SqliteMetadataStore::ListUploadParts(
    const std::string& file_id) {
  return Read([&](Connection& c) -> Result<std::vector<UploadPartRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kListUploadParts));
    stmt.Bind(1, file_id);
    std::vector<UploadPartRecord> parts;
    while (true) {
      FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return parts;
      UploadPartRecord p;
      p.id = stmt.Text(0);
      p.file_id = stmt.Text(1);
      p.bytes = static_cast<uint64_t>(stmt.Int64(2));
      p.blob_key = stmt.Text(3);
      p.created_at = stmt.Int64(4);
      parts.push_back(std::move(p));
    }
  });
}

Status SqliteMetadataStore::DeleteUploadParts(const std::string& file_id) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kDeleteUploadParts));
    stmt.Bind(1, file_id);
    return stmt.Run();
  });
}

// ---- idempotency keys ----

namespace {

// The record of (project_id, key), if any, inside the caller's transaction.
Result<std::optional<IdempotencyRecord>> FindIdempotencyKey(Connection& c,
                                                            const std::string& project_id,
                                                            const std::string& key) {
  FILESD_ASSIGN_OR_RETURN(sqlite::Stmt get, c.Use(Sql::kGetIdempotencyKey));
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

Result<std::optional<IdempotencyRecord>> SqliteMetadataStore::ClaimIdempotencyKey(
    const std::string& project_id, const std::string& key, const std::string& owner,
    const std::optional<std::string>& file_id, int64_t now, int64_t expired_before) {
  return Write([&](Connection& c) -> Result<std::optional<IdempotencyRecord>> {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt expire, c.Use(Sql::kDeleteExpiredIdempotencyKey));
      expire.Bind(1, project_id);
      expire.Bind(2, key);
      expire.Bind(3, expired_before);
      FILESD_RETURN_IF_ERROR(expire.Run());
    }
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt insert, c.Use(Sql::kInsertIdempotencyKey));
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
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kTakeOverIdempotencyKey));
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
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kAnswerIdempotencyKey));
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
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kReleaseIdempotencyKey));
    stmt.Bind(1, project_id);
    stmt.Bind(2, key);
    stmt.Bind(3, owner);
    return stmt.Run();
  });
}

Result<size_t> SqliteMetadataStore::PurgeIdempotencyKeys(int64_t created_before, size_t limit) {
  return Write([&](Connection& c) -> Result<size_t> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kPurgeIdempotencyKeys));
    stmt.Bind(1, created_before);
    stmt.Bind(2, ClampToInt64(limit));
    FILESD_RETURN_IF_ERROR(stmt.Run());
    return static_cast<size_t>(stmt.Changes());
  });
}

Result<MetadataStore::Usage> SqliteMetadataStore::GetUsage(const std::string& project_id,
                                                           int64_t now) {
  return Read([&](Connection& c) -> Result<Usage> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kUsage));
    stmt.Bind(1, project_id);
    stmt.Bind(2, now);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Internal("metadata store: usage returned no row");
    Usage usage;
    usage.files = static_cast<uint64_t>(stmt.Int64(0));
    usage.bytes = static_cast<uint64_t>(stmt.Int64(1));
    return usage;
  });
}

Status SqliteMetadataStore::CheckReady() {
  return Read([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(Sql::kReady));
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
