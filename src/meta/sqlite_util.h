// Helpers shared by the SQLite metadata store and its migrator: the mapping of SQLite result codes
// to filesd codes, script execution, one-off pragma queries, and a thin wrapper over a prepared
// statement in use.
//
// Internal to src/meta; nothing outside the SQLite implementation includes this.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace filesd::sqlite {

// Maps a SQLite result code to a Status:
//  * SQLITE_BUSY / SQLITE_LOCKED (still busy after the busy timeout), I/O errors, a full disk, a
//  file
//    that cannot be opened, out of memory: kUnavailable (retrying later may work);
//  * constraint violations (unique, primary key, foreign key, check, not null): kConflict;
//  * anything else (corruption, misuse, SQL errors): kInternal.
// The message names `what` (an operation, never a path or a value) and SQLite's own message, which
// carries no paths either; it is meant for the log.
Status ErrorStatus(sqlite3* db, int rc, std::string_view what);

// Runs one or more statements separated by ';' (sqlite3_exec). For DDL and pragmas, not hot paths.
Status ExecScript(sqlite3* db, const char* sql, std::string_view what);

// A prepared statement in use. Binds, steps and reads columns; resets the statement and clears its
// bindings on destruction so that a cached statement can be reused by the next call.
//
// Text is bound with SQLITE_STATIC, without a copy: the bound bytes must stay alive and unchanged
// until the Stmt is destroyed. Bind errors are remembered and reported by the first Step()/Run().
// Column indexes are 0-based, parameter indexes 1-based (as in SQLite).
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt, const char* what) : db_(db), stmt_(stmt), what_(what) {}
  ~Stmt();
  Stmt(Stmt&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        what_(other.what_),
        bind_rc_(other.bind_rc_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  void Bind(int index, int64_t value);
  void Bind(int index, std::string_view value);
  void Bind(int index, const std::string& value) { Bind(index, std::string_view(value)); }
  void Bind(int index, std::string&& value) = delete;  // would dangle: bound without a copy
  void Bind(int index, const std::optional<int64_t>& value);
  void Bind(int index, const std::optional<std::string>& value);
  void BindNull(int index);

  // Steps once: true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps to completion, ignoring any rows (for INSERT/UPDATE/DELETE).
  Status Run();
  // Rows changed by the last completed INSERT/UPDATE/DELETE on this connection.
  int64_t Changes() const { return sqlite3_changes64(db_); }

  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const;
  // Valid until the next Step() or the destruction of the Stmt.
  std::string_view TextView(int col) const;
  std::optional<int64_t> OptionalInt64(int col) const;
  std::optional<std::string> OptionalText(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  const char* what_;
  int bind_rc_ = SQLITE_OK;
};

// Runs one statement prepared for this call only (a pragma, not a hot path) and returns the text of
// the first column of its first row ("" if it returns no row).
Result<std::string> QueryPragma(sqlite3* db, const std::string& sql);

}  // namespace filesd::sqlite
