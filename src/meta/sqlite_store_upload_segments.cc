// SqliteMetadataStore, table family "upload segments": the table upload_segments (the immutable
// segments an upload session's appends wrote, each its own blob), its statements and the store's
// methods over it (contracts in metadata_store.h).
#include "meta/sqlite_metadata_store.h"
#include "meta/sqlite_store_tables.h"
#include "meta/sqlite_transaction.h"

namespace filesd {
namespace sqlite {
namespace {

// clang-format off
constexpr SqlStatement kInsertUploadSegment{"insert upload segment",
    "INSERT INTO upload_segments (file_id, offset_bytes, bytes, blob_key, sha256_state, "
    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"};
constexpr SqlStatement kListUploadSegments{"list upload segments",
    "SELECT file_id, offset_bytes, bytes, blob_key, sha256_state, created_at "
    "FROM upload_segments WHERE file_id = ?1 ORDER BY offset_bytes"};
// The last segment starting before ?2: a seek on the primary key (file_id, offset_bytes).
constexpr SqlStatement kLastUploadSegmentBefore{"get upload segment ending at",
    "SELECT file_id, offset_bytes, bytes, blob_key, sha256_state, created_at "
    "FROM upload_segments WHERE file_id = ?1 AND offset_bytes < ?2 "
    "ORDER BY offset_bytes DESC LIMIT 1"};
constexpr SqlStatement kDeleteUploadSegments{"delete upload segments",
    "DELETE FROM upload_segments WHERE file_id = ?1"};
// clang-format on

UploadSegmentRecord ReadSegmentRow(const Stmt& row) {
  UploadSegmentRecord s;
  s.file_id = row.Text(0);
  s.offset = static_cast<uint64_t>(row.Int64(1));
  s.bytes = static_cast<uint64_t>(row.Int64(2));
  s.blob_key = row.Text(3);
  s.sha256_state = row.Text(4);
  s.created_at = row.Int64(5);
  return s;
}

// Whether the session `file_id` of `project_id` takes a segment at `offset` now: the checks of
// AppendUploadSegment before anything is written.
Status CheckAppendable(Connection& c, const std::string& project_id, const std::string& file_id,
                       uint64_t offset, int64_t now) {
  FILESD_ASSIGN_OR_RETURN(VisibleFileState session,
                          FindVisibleFileState(c, project_id, file_id, now));
  if (session.status != FileStatus::kUploading) {
    return Conflict("The upload session is no longer open", "upload_closed");
  }
  FILESD_ASSIGN_OR_RETURN(bool has_parts, HasUploadParts(c, file_id));
  if (has_parts) {
    return Conflict("The upload session has parts; it cannot take appended content",
                    "upload_mode_conflict");
  }
  if (session.bytes != offset) {
    return Conflict("The upload session holds " + std::to_string(session.bytes) +
                        " bytes; the append was for offset " + std::to_string(offset),
                    "offset_mismatch");
  }
  return Status::Ok();
}

}  // namespace
}  // namespace sqlite

using sqlite::Connection;

Result<FileRecord> SqliteMetadataStore::AppendUploadSegment(const std::string& project_id,
                                                            const UploadSegmentRecord& seg,
                                                            int64_t now) {
  if (seg.bytes == 0) return InvalidArgument("an upload segment holds at least one byte");
  if (seg.offset > sqlite::kMaxStoredUnsigned ||
      seg.bytes > sqlite::kMaxStoredUnsigned - seg.offset) {
    return InvalidArgument("upload size out of range");
  }
  return Write([&](Connection& c) -> Result<FileRecord> {
    FILESD_RETURN_IF_ERROR(sqlite::CheckAppendable(c, project_id, seg.file_id, seg.offset, now));
    FILESD_RETURN_IF_ERROR(sqlite::EnforceQuota(c, project_id, now, seg.bytes, 0));
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt insert, c.Use(sqlite::kInsertUploadSegment));
      insert.Bind(1, seg.file_id);
      insert.Bind(2, static_cast<int64_t>(seg.offset));
      insert.Bind(3, static_cast<int64_t>(seg.bytes));
      insert.Bind(4, seg.blob_key);
      insert.Bind(5, seg.sha256_state);
      insert.Bind(6, seg.created_at);
      FILESD_RETURN_IF_ERROR(insert.Run());  // a taken offset is kConflict
    }
    FILESD_RETURN_IF_ERROR(
        sqlite::GrowUploadingFile(c, seg.file_id, seg.offset, seg.offset + seg.bytes, now));
    FILESD_RETURN_IF_ERROR(sqlite::RemoveIntent(c, seg.blob_key));
    return sqlite::FindVisibleFile(c, project_id, seg.file_id, now);
  });
}

Result<std::vector<UploadSegmentRecord>> SqliteMetadataStore::ListUploadSegments(
    const std::string& file_id) {
  return Read([&](Connection& c) -> Result<std::vector<UploadSegmentRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kListUploadSegments));
    stmt.Bind(1, file_id);
    return sqlite::ReadAllRows(stmt, sqlite::ReadSegmentRow);
  });
}

Result<UploadSegmentRecord> SqliteMetadataStore::GetUploadSegmentEndingAt(
    const std::string& file_id, uint64_t end) {
  if (end == 0 || end > sqlite::kMaxStoredUnsigned) return NotFound("no segment ends there");
  return Read([&](Connection& c) -> Result<UploadSegmentRecord> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kLastUploadSegmentBefore));
    stmt.Bind(1, file_id);
    stmt.Bind(2, static_cast<int64_t>(end));
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no segment ends there");
    UploadSegmentRecord s = sqlite::ReadSegmentRow(stmt);
    if (s.offset + s.bytes != end) return NotFound("no segment ends there");
    return s;
  });
}

Status SqliteMetadataStore::DeleteUploadSegments(const std::string& file_id) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kDeleteUploadSegments));
    stmt.Bind(1, file_id);
    return stmt.Run();
  });
}

}  // namespace filesd
