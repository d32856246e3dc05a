#include "meta/sqlite_connection.h"

#include <algorithm>

namespace filesd::sqlite {
namespace {

constexpr SqlStatement kBeginDeferred{"begin", "BEGIN DEFERRED"};
constexpr SqlStatement kBeginImmediate{"begin write", "BEGIN IMMEDIATE"};
constexpr SqlStatement kCommit{"commit", "COMMIT"};
constexpr SqlStatement kRollback{"rollback", "ROLLBACK"};

}  // namespace

// ---- Connection ----

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     int busy_timeout_ms) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = ErrorStatus(db, rc, "open database");
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
  FILESD_RETURN_IF_ERROR(ExecScript(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL",
                                    "configure connection"));
  return conn;
}

Connection::~Connection() {
  for (const auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Stmt> Connection::Use(const SqlStatement& sql) {
  sqlite3_stmt*& stmt = statements_[&sql];
  if (stmt == nullptr) {
    const int rc =
        sqlite3_prepare_v3(db_, sql.text, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      Status status = ErrorStatus(db_, rc, sql.what);
      sqlite3_finalize(stmt);
      stmt = nullptr;
      return status;
    }
  }
  return Stmt(db_, stmt, sql.what);
}

Status Connection::Exec(const SqlStatement& sql) {
  FILESD_ASSIGN_OR_RETURN(Stmt stmt, Use(sql));
  return stmt.Run();
}

Status Connection::Begin(TransactionKind kind) {
  return Exec(kind == TransactionKind::kWrite ? kBeginImmediate : kBeginDeferred);
}

Status Connection::Commit() { return Exec(kCommit); }

void Connection::RollbackIfOpen() {
  if (sqlite3_get_autocommit(db_) == 0) (void)Exec(kRollback);
}

// ---- ConnectionPool ----

ConnectionPool::ConnectionPool(std::string path, int busy_timeout_ms, size_t max_connections)
    : path_(std::move(path)),
      busy_timeout_ms_(busy_timeout_ms),
      max_connections_(std::max<size_t>(1, max_connections)) {}

ConnectionPool::~ConnectionPool() {
  std::lock_guard<std::mutex> lock(mu_);
  FILESD_CHECK(idle_.size() == open_);  // every lease returned
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
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

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  conn->RollbackIfOpen();  // never hand a connection on inside a transaction
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

}  // namespace filesd::sqlite
