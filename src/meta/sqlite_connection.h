// The SQLite store's connections: one connection with its prepared statements, and the pool that
// hands connections out.
//
// Statements: every statement the store runs is a `SqlStatement`, a fixed text declared at namespace
// scope (static storage) in the file of its table family (sqlite_store_*.cc). A connection prepares
// a statement the first time it is used and keeps it, keyed by the SqlStatement's address, until
// the connection closes: no call builds SQL or prepares twice on one connection.
//
// Threading: a Connection is used by one thread at a time (the pool guarantees it: a leased
// connection belongs to its lessee), so it is opened in SQLite's multi-thread mode without
// per-connection mutexes. ConnectionPool is thread-safe.
//
// Internal to src/meta: only the SQLite store's files include this.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "meta/sqlite_util.h"

namespace filesd::sqlite {

// One statement the store runs. Declare it `constexpr SqlStatement kName{...}` at namespace scope:
// its address identifies it in each connection's cache, so it must live as long as the program.
struct SqlStatement {
  const char* what;  // names the operation in error messages (never a value)
  const char* text;  // the SQL, with numbered parameters ?1, ?2, ...
};

// How a transaction begins: kRead is BEGIN DEFERRED (a snapshot for several reads), kWrite is
// BEGIN IMMEDIATE (takes the write lock at once, so it never fails midway on lock upgrade).
enum class TransactionKind { kRead, kWrite };

// One SQLite connection with its cached statements.
class Connection {
 public:
  // Opens `path` read-write (creating it) with extended result codes, the busy timeout, foreign
  // keys on and synchronous=FULL. kUnavailable / kInternal as sqlite::ErrorStatus.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int busy_timeout_ms);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // The cached statement `sql`, ready to bind; prepared on first use on this connection.
  Result<Stmt> Use(const SqlStatement& sql);

  Status Begin(TransactionKind kind);
  Status Commit();

  // Ends a transaction left open by a failure. SQLite rolls back by itself after some errors, hence
  // the check. A failed ROLLBACK is not reported: short of a dying database it cannot leave the
  // transaction open, and if it did, the next BEGIN on this connection would fail and report it.
  void RollbackIfOpen();

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  // Runs a statement that takes no parameters and returns no rows (BEGIN, COMMIT, ...).
  Status Exec(const SqlStatement& sql);

  sqlite3* db_;
  std::unordered_map<const SqlStatement*, sqlite3_stmt*> statements_;
};

// Connections handed out one per caller and returned on release, most recently used first (its
// pages and statements are warm). At most `max_connections` (at least 1) exist; callers beyond
// wait for a free one. A connection is returned outside any transaction (rolled back if needed).
class ConnectionPool {
 public:
  // A leased connection; returns it to the pool on destruction.
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

  ConnectionPool(std::string path, int busy_timeout_ms, size_t max_connections);
  // REQUIRES: every lease returned.
  ~ConnectionPool();

  // A free connection, opening one if fewer than max_connections exist, else waiting. Fails as
  // Connection::Open when a new connection cannot be opened.
  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> conn);

  const std::string path_;
  const int busy_timeout_ms_;
  const size_t max_connections_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                // guarded by mu_: idle plus leased
};

}  // namespace filesd::sqlite
