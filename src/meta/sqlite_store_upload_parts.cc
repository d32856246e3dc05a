// SqliteMetadataStore, table family "upload parts": the table upload_parts (the parts of an open
// upload session, each with its own blob), its statements and the store's methods over it
// (contracts in metadata_store.h).
#include "meta/sqlite_metadata_store.h"
#include "meta/sqlite_store_tables.h"
#include "meta/sqlite_transaction.h"

namespace filesd {
namespace sqlite {
namespace {

// clang-format off
// seq: 1 + the file's highest, in the insert itself (the write transaction serialises adds).
constexpr SqlStatement kInsertUploadPart{"insert upload part",
    "INSERT INTO upload_parts (id, file_id, bytes, blob_key, created_at, seq, chain_prev, "
    "sha256_state) "
    "VALUES (?1, ?2, ?3, ?4, ?5, "
    "(SELECT coalesce(max(seq), 0) + 1 FROM upload_parts WHERE file_id = ?2), ?6, ?7)"};
constexpr SqlStatement kListUploadParts{"list upload parts",
    "SELECT id, file_id, bytes, blob_key, created_at, seq, chain_prev, sha256_state "
    "FROM upload_parts WHERE file_id = ?1 ORDER BY created_at, id"};
constexpr SqlStatement kHasUploadParts{"find upload parts",
    "SELECT EXISTS (SELECT 1 FROM upload_parts WHERE file_id = ?1)"};
constexpr SqlStatement kDeleteUploadParts{"delete upload parts",
    "DELETE FROM upload_parts WHERE file_id = ?1"};
// clang-format on

UploadPartRecord ReadPartRow(const Stmt& row) {
  UploadPartRecord p;
  p.id = row.Text(0);
  p.file_id = row.Text(1);
  p.bytes = static_cast<uint64_t>(row.Int64(2));
  p.blob_key = row.Text(3);
  p.created_at = row.Int64(4);
  p.seq = static_cast<uint64_t>(row.Int64(5));
  p.chain_prev = row.Text(6);
  p.sha256_state = row.Text(7);
  return p;
}

}  // namespace

Result<bool> HasUploadParts(Connection& c, const std::string& file_id) {
  FILESD_ASSIGN_OR_RETURN(Stmt stmt, c.Use(kHasUploadParts));
  stmt.Bind(1, file_id);
  FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Internal("metadata store: EXISTS returned no row");
  return stmt.Int64(0) != 0;
}

}  // namespace sqlite

using sqlite::Connection;

Status SqliteMetadataStore::AddUploadPart(const std::string& project_id,
                                          const UploadPartRecord& part, int64_t now) {
  if (part.bytes > sqlite::kMaxStoredUnsigned) return InvalidArgument("part size out of range");
  return Write([&](Connection& c) -> Status {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::VisibleFileState session,
                              sqlite::FindVisibleFileState(c, project_id, part.file_id, now));
      if (session.status != FileStatus::kUploading) {
        return Conflict("The upload session is no longer open");
      }
      if (session.bytes != 0) {
        return Conflict("The upload session already has appended content; it cannot take parts");
      }
    }
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt insert, c.Use(sqlite::kInsertUploadPart));
      insert.Bind(1, part.id);
      insert.Bind(2, part.file_id);
      insert.Bind(3, static_cast<int64_t>(part.bytes));
      insert.Bind(4, part.blob_key);
      insert.Bind(5, part.created_at);
      insert.Bind(6, part.chain_prev);
      insert.Bind(7, part.sha256_state);
      FILESD_RETURN_IF_ERROR(insert.Run());  // a taken id is kConflict
    }
    return sqlite::RemoveIntent(c, part.blob_key);
  });
}

Result<std::vector<UploadPartRecord>> SqliteMetadataStore::ListUploadParts(
    const std::string& file_id) {
  return Read([&](Connection& c) -> Result<std::vector<UploadPartRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kListUploadParts));
    stmt.Bind(1, file_id);
    return sqlite::ReadAllRows(stmt, sqlite::ReadPartRow);
  });
}

Status SqliteMetadataStore::DeleteUploadParts(const std::string& file_id) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kDeleteUploadParts));
    stmt.Bind(1, file_id);
    return stmt.Run();
  });
}

}  // namespace filesd
