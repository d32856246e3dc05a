// SqliteMetadataStore, table family "blob intents": the table blob_intents (keys of blobs being
// written, so the janitor can remove those no row ever adopted), its statements and the store's
// methods over it (contracts in metadata_store.h). Offers RemoveIntent to the families whose rows
// adopt a blob (sqlite_store_tables.h).
#include "meta/sqlite_metadata_store.h"
#include "meta/sqlite_store_tables.h"
#include "meta/sqlite_transaction.h"

namespace filesd {
namespace sqlite {
namespace {

// clang-format off
constexpr SqlStatement kRecordBlobIntent{"record blob intent",
    "INSERT INTO blob_intents (blob_key, created_at) VALUES (?1, ?2) "
    "ON CONFLICT (blob_key) DO NOTHING"};
constexpr SqlStatement kRemoveBlobIntent{"remove blob intent",
    "DELETE FROM blob_intents WHERE blob_key = ?1"};
constexpr SqlStatement kListBlobIntents{"list blob intents",
    "SELECT blob_key FROM blob_intents WHERE created_at <= ?1 "
    "ORDER BY created_at, blob_key LIMIT ?2"};
// clang-format on

}  // namespace

Status RemoveIntent(Connection& c, const std::string& blob_key) {
  if (blob_key.empty()) return Status::Ok();
  FILESD_ASSIGN_OR_RETURN(Stmt stmt, c.Use(kRemoveBlobIntent));
  stmt.Bind(1, blob_key);
  return stmt.Run();
}

}  // namespace sqlite

using sqlite::Connection;

Status SqliteMetadataStore::RecordBlobIntent(const std::string& blob_key, int64_t now) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kRecordBlobIntent));
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
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kListBlobIntents));
    stmt.Bind(1, created_before);
    stmt.Bind(2, sqlite::ClampToInt64(limit));
    return sqlite::ReadAllRows(stmt, [](const sqlite::Stmt& row) { return row.Text(0); });
  });
}

}  // namespace filesd
