#include "meta/sqlite_util.h"

namespace filesd::sqlite {

Status ErrorStatus(sqlite3* db, int rc, std::string_view what) {
  // sqlite3_errmsg() describes the most recent failure on `db`, which is `rc` when the codes agree;
  // otherwise (e.g. a failed open with no handle) fall back to the generic text of the code.
  const bool db_message = db != nullptr && sqlite3_extended_errcode(db) == rc;
  std::string message = "metadata store: ";
  message += what;
  message += ": ";
  message += db_message ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_READONLY:
      return Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return Conflict(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

Status ExecScript(sqlite3* db, const char* sql, std::string_view what) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  sqlite3_free(error);  // the same text is available from sqlite3_errmsg()
  if (rc != SQLITE_OK) return ErrorStatus(db, rc, what);
  return Status::Ok();
}

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;  // moved from
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Stmt::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Stmt::Bind(int index, std::string_view value) {
  // A non-null pointer even for an empty view: a null pointer would bind SQL NULL, not ''.
  const char* data = value.empty() ? "" : value.data();
  const int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Stmt::Bind(int index, const std::optional<int64_t>& value) {
  if (value.has_value()) {
    Bind(index, *value);
  } else {
    BindNull(index);
  }
}

void Stmt::Bind(int index, const std::optional<std::string>& value) {
  if (value.has_value()) {
    Bind(index, std::string_view(*value));
  } else {
    BindNull(index);
  }
}

void Stmt::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Result<bool> Stmt::Step() {
  if (bind_rc_ != SQLITE_OK) return ErrorStatus(db_, bind_rc_, what_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(db_, rc, what_);
}

Status Stmt::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) return std::move(row).TakeStatus();
    if (!*row) return Status::Ok();
  }
}

std::string Stmt::Text(int col) const { return std::string(TextView(col)); }

std::string_view Stmt::TextView(int col) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (data == nullptr) return std::string_view();
  return std::string_view(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<int64_t> Stmt::OptionalInt64(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int64(col);
}

std::optional<std::string> Stmt::OptionalText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

Result<std::string> QueryPragma(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
  if (rc != SQLITE_OK) return ErrorStatus(db, rc, "pragma");
  std::string value;
  {
    Stmt stmt(db, raw, "pragma");
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

}  // namespace filesd::sqlite
