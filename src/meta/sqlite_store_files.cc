// SqliteMetadataStore, table family "files and usage": the table files, its statements and the
// store's methods over it, including usage (what a project's visible files count and weigh, for
// quotas) (contracts in metadata_store.h). Offers NoSuchFile, FindVisibleFile,
// FindVisibleFileState and EnforceQuota to the other families (sqlite_store_tables.h).
#include "meta/quota_rule.h"
#include "meta/sqlite_metadata_store.h"
#include "meta/sqlite_store_tables.h"
#include "meta/sqlite_transaction.h"

namespace filesd {
namespace sqlite {
namespace {

// The column order every file query selects and CreateFile inserts.
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

// String pieces line up with the SQL they build. Variants (list order, cursor) are separate
// statements rather than SQL assembled per call.
// clang-format off
// ?1 id, ?2 project, ?3 created_at, ?4..?16 the values UpdateFile sets too (BindFileValues),
// ?17 deleted_at.
constexpr SqlStatement kInsertFile{"insert file",
    "INSERT INTO files (" FILESD_FILE_COLUMNS ") VALUES "
    "(?1, ?2, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?3, ?12, ?13, ?14, ?15, ?16, ?17)"};
constexpr SqlStatement kGetFile{"get file",
    "SELECT " FILESD_FILE_COLUMNS " FROM files "
    "WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")};
constexpr SqlStatement kGetVisibleCreatedAt{"find file",
    "SELECT created_at FROM files WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")};
constexpr SqlStatement kGetVisibleBytes{"find file",
    "SELECT bytes FROM files WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")};
constexpr SqlStatement kGetVisibleState{"get upload session",
    "SELECT status, bytes FROM files "
    "WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")};
constexpr SqlStatement kCountFiles{"count files",
    "SELECT count(*) FROM files WHERE " FILESD_LIST_WHERE};
// A page of the listing and, as a last column, the total: one statement, whose uncorrelated
// count subquery SQLite runs once. Both walk the files_live_by_project index (the count from the
// index alone, the page in index order, so no sort); only the page's rows touch the table.
#define FILESD_LIST_PAGE \
  "SELECT " FILESD_FILE_COLUMNS ", (SELECT count(*) FROM files WHERE " FILESD_LIST_WHERE ") " \
  "FROM files WHERE " FILESD_LIST_WHERE
constexpr SqlStatement kListFilesAsc{"list files",
    FILESD_LIST_PAGE " ORDER BY created_at ASC, id ASC LIMIT ?6 OFFSET ?7"};
constexpr SqlStatement kListFilesDesc{"list files",
    FILESD_LIST_PAGE " ORDER BY created_at DESC, id DESC LIMIT ?6 OFFSET ?7"};
constexpr SqlStatement kListFilesAscAfter{"list files",
    FILESD_LIST_PAGE
    " AND (created_at, id) > (?4, ?5) ORDER BY created_at ASC, id ASC LIMIT ?6 OFFSET ?7"};
constexpr SqlStatement kListFilesDescAfter{"list files",
    FILESD_LIST_PAGE
    " AND (created_at, id) < (?4, ?5) ORDER BY created_at DESC, id DESC LIMIT ?6 OFFSET ?7"};
// ?1 id, ?2 project, ?3 now, ?4..?16 the new values (BindFileValues), ?17..?19 the preconditions
// (NULL: any).
constexpr SqlStatement kUpdateFile{"update file",
    "UPDATE files SET filename = ?4, purpose = ?5, bytes = ?6, status = ?7, status_details = ?8, "
    "mime_type = ?9, sha256 = ?10, blob_key = ?11, updated_at = ?12, expires_at = ?13, "
    "processed_at = ?14, metadata_json = ?15, processing_summary = ?16 "
    "WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")
    " AND (?17 IS NULL OR status = ?17) AND (?18 IS NULL OR bytes = ?18) "
    "AND (?19 IS NULL OR blob_key = ?19)"};
constexpr SqlStatement kSoftDeleteFile{"delete file",
    "UPDATE files SET deleted_at = ?3 "
    "WHERE id = ?1 AND project_id = ?2 AND " FILESD_VISIBLE_AT("?3")};
// Served by the partial indexes files_deleted and files_expiring (an OR of two index ranges).
constexpr SqlStatement kListPurgeable{"list purgeable files",
    "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE deleted_at <= ?1 OR expires_at <= ?2 "
    "ORDER BY created_at, id LIMIT ?3"};
constexpr SqlStatement kListStalePending{"list stale pending files",
    "SELECT " FILESD_FILE_COLUMNS " FROM files WHERE status = 'pending' AND created_at <= ?1 "
    "ORDER BY created_at, id LIMIT ?2"};
constexpr SqlStatement kPurgeFile{"purge file", "DELETE FROM files WHERE id = ?1"};
constexpr SqlStatement kGrowUploadingFile{"grow upload session",
    "UPDATE files SET bytes = ?3, updated_at = ?4 "
    "WHERE id = ?1 AND bytes = ?2 AND status = 'uploading'"};
constexpr SqlStatement kUsage{"usage",
    "SELECT count(*), coalesce(sum(bytes), 0) FROM files "
    "WHERE project_id = ?1 AND " FILESD_VISIBLE_AT("?2")};
// clang-format on

#undef FILESD_FILE_COLUMNS
#undef FILESD_VISIBLE_AT
#undef FILESD_LIST_WHERE
#undef FILESD_LIST_PAGE

// The column of a listing row that holds the total (after the file columns).
constexpr int kListTotalColumn = 17;

// The listing statement for `query`'s order and cursor.
const SqlStatement& ListStatement(const ListFilesQuery& query) {
  const bool asc = query.order == SortOrder::kAsc;
  const bool after = query.after_id.has_value();
  return asc ? (after ? kListFilesAscAfter : kListFilesAsc)
             : (after ? kListFilesDescAfter : kListFilesDesc);
}

Result<FileRecord> ReadFileRow(const Stmt& row) {
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

// Reads every row of `stmt` as files.
Result<std::vector<FileRecord>> ReadFileRows(Stmt& stmt) {
  std::vector<FileRecord> files;
  while (true) {
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return files;
    FILESD_ASSIGN_OR_RETURN(FileRecord f, ReadFileRow(stmt));
    files.push_back(std::move(f));
  }
}

// Binds ?1 file id, ?2 project, ?3 now: the key of every statement about one visible file.
void BindVisibleFile(Stmt& stmt, const std::string& file_id, const std::string& project_id,
                     int64_t now) {
  stmt.Bind(1, file_id);
  stmt.Bind(2, project_id);
  stmt.Bind(3, now);
}

// Binds ?4..?16: the values of every column but id, project_id, created_at and deleted_at, in the
// numbering kInsertFile and kUpdateFile share.
void BindFileValues(Stmt& stmt, const FileRecord& file) {
  stmt.Bind(4, file.filename);
  stmt.Bind(5, file.purpose);
  stmt.Bind(6, static_cast<int64_t>(file.bytes));
  stmt.Bind(7, FileStatusName(file.status));
  stmt.Bind(8, file.status_details);
  stmt.Bind(9, file.mime_type);
  stmt.Bind(10, file.sha256);
  stmt.Bind(11, file.blob_key);
  stmt.Bind(12, file.updated_at);
  stmt.Bind(13, file.expires_at);
  stmt.Bind(14, file.processed_at);
  stmt.Bind(15, file.metadata_json);
  stmt.Bind(16, file.processing_summary);
}

}  // namespace

Status NoSuchFile(const std::string& file_id) { return NotFound("No such file: " + file_id); }

Result<FileRecord> FindVisibleFile(Connection& c, const std::string& project_id,
                                   const std::string& file_id, int64_t now) {
  FILESD_ASSIGN_OR_RETURN(Stmt stmt, c.Use(kGetFile));
  BindVisibleFile(stmt, file_id, project_id, now);
  FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return NoSuchFile(file_id);
  return ReadFileRow(stmt);
}

Result<VisibleFileState> FindVisibleFileState(Connection& c, const std::string& project_id,
                                              const std::string& file_id, int64_t now) {
  FILESD_ASSIGN_OR_RETURN(Stmt get, c.Use(kGetVisibleState));
  BindVisibleFile(get, file_id, project_id, now);
  FILESD_ASSIGN_OR_RETURN(bool row, get.Step());
  if (!row) return NoSuchFile(file_id);
  return VisibleFileState{ParseFileStatus(get.TextView(0)), static_cast<uint64_t>(get.Int64(1))};
}

Status EnforceQuota(Connection& c, const std::string& project_id, int64_t now, uint64_t add_bytes,
                    uint64_t add_files) {
  FILESD_ASSIGN_OR_RETURN(std::optional<Project> project, FindProject(c, project_id));
  if (!project) return Status::Ok();  // the foreign key refuses the row itself
  const QuotaLimits limits{project->quota_bytes, project->quota_files};
  if (!limits.bytes && !limits.files) return Status::Ok();
  FILESD_ASSIGN_OR_RETURN(Stmt usage, c.Use(kUsage));
  usage.Bind(1, project_id);
  usage.Bind(2, now);
  FILESD_ASSIGN_OR_RETURN(bool row, usage.Step());
  if (!row) return Internal("metadata store: usage returned no row");
  return CheckQuota(limits, static_cast<uint64_t>(usage.Int64(1)),
                    static_cast<uint64_t>(usage.Int64(0)), add_bytes, add_files);
}

Status GrowUploadingFile(Connection& c, const std::string& file_id, uint64_t from_bytes,
                         uint64_t to_bytes, int64_t now) {
  FILESD_ASSIGN_OR_RETURN(Stmt stmt, c.Use(kGrowUploadingFile));
  stmt.Bind(1, file_id);
  stmt.Bind(2, static_cast<int64_t>(from_bytes));
  stmt.Bind(3, static_cast<int64_t>(to_bytes));
  stmt.Bind(4, now);
  FILESD_RETURN_IF_ERROR(stmt.Run());
  if (stmt.Changes() != 1) {
    return Conflict("The upload session changed meanwhile", "offset_mismatch");
  }
  return Status::Ok();
}

}  // namespace sqlite

using sqlite::Connection;
using sqlite::kMaxStoredUnsigned;

Status SqliteMetadataStore::CreateFile(const FileRecord& file) {
  if (file.bytes > kMaxStoredUnsigned) return InvalidArgument("file size out of range");
  const bool visible = !file.deleted_at && (!file.expires_at || *file.expires_at > file.created_at);
  return Write([&](Connection& c) -> Status {
    if (visible) {
      FILESD_RETURN_IF_ERROR(
          sqlite::EnforceQuota(c, file.project_id, file.created_at, file.bytes, 1));
    }
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kInsertFile));
      stmt.Bind(1, file.id);
      stmt.Bind(2, file.project_id);
      stmt.Bind(3, file.created_at);
      sqlite::BindFileValues(stmt, file);
      stmt.Bind(17, file.deleted_at);
      FILESD_RETURN_IF_ERROR(stmt.Run());  // a taken id is kConflict
    }
    return sqlite::RemoveIntent(c, file.blob_key);
  });
}

Result<FileRecord> SqliteMetadataStore::GetFile(const std::string& project_id,
                                                const std::string& file_id, int64_t now) {
  return Read([&](Connection& c) -> Result<FileRecord> {
    return sqlite::FindVisibleFile(c, project_id, file_id, now);
  });
}

Result<FileList> SqliteMetadataStore::ListFiles(const std::string& project_id,
                                                const ListFilesQuery& query, int64_t now) {
  // One read transaction: the cursor, the total and the page see the same snapshot. The usual
  // request is one statement (page and total together, kListFiles*).
  return ReadSnapshot([&](Connection& c) -> Result<FileList> {
    int64_t cursor_created_at = 0;
    if (query.after_id.has_value()) {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt find, c.Use(sqlite::kGetVisibleCreatedAt));
      sqlite::BindVisibleFile(find, *query.after_id, project_id, now);
      FILESD_ASSIGN_OR_RETURN(bool row, find.Step());
      if (!row) return sqlite::NoSuchFile(*query.after_id).WithParam("after");
      cursor_created_at = find.Int64(0);
    }

    FileList list;
    const bool after = query.after_id.has_value();
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt page, c.Use(sqlite::ListStatement(query)));
    page.Bind(1, project_id);
    page.Bind(2, now);
    page.Bind(3, query.purpose);
    page.Bind(4, cursor_created_at);
    page.Bind(5, after ? std::string_view(*query.after_id) : std::string_view());
    // One row beyond the page tells whether there is more.
    page.Bind(6, static_cast<int64_t>(query.limit) + 1);
    page.Bind(7, sqlite::ClampToInt64(query.offset));
    list.files.reserve(std::min<size_t>(query.limit, 1000));
    bool any_row = false;
    while (true) {
      FILESD_ASSIGN_OR_RETURN(bool row, page.Step());
      if (!row) break;
      if (!any_row) list.total = static_cast<uint64_t>(page.Int64(sqlite::kListTotalColumn));
      any_row = true;
      if (list.files.size() == query.limit) {
        list.has_more = true;
        break;
      }
      FILESD_ASSIGN_OR_RETURN(FileRecord f, sqlite::ReadFileRow(page));
      list.files.push_back(std::move(f));
    }
    if (!any_row) {
      // An empty page carries no total (past the end, or no files): count on its own, in the same
      // snapshot.
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt count, c.Use(sqlite::kCountFiles));
      count.Bind(1, project_id);
      count.Bind(2, now);
      count.Bind(3, query.purpose);
      FILESD_ASSIGN_OR_RETURN(bool row, count.Step());
      if (!row) return Internal("metadata store: count returned no row");
      list.total = static_cast<uint64_t>(count.Int64(0));
    }
    return list;
  });
}

Result<std::vector<std::string>> SqliteMetadataStore::ListFilesPlanForTesting(
    const ListFilesQuery& query) {
  const std::string sql =
      std::string("EXPLAIN QUERY PLAN ") + sqlite::ListStatement(query).text;
  return Read([&](Connection& c) -> Result<std::vector<std::string>> {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(c.db(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return Internal(std::string("explain list files: ") + sqlite3_errmsg(c.db()));
    }
    std::vector<std::string> plan;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      plan.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
    }
    sqlite3_finalize(stmt);
    return plan;
  });
}

Status SqliteMetadataStore::UpdateFile(const FileRecord& updated, const FilePrecondition& expect,
                                       int64_t now) {
  if (updated.bytes > kMaxStoredUnsigned) return InvalidArgument("file size out of range");
  return Write([&](Connection& c) -> Status {
    {
      // Growth counts against the byte quota.
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt find, c.Use(sqlite::kGetVisibleBytes));
      sqlite::BindVisibleFile(find, updated.id, updated.project_id, now);
      FILESD_ASSIGN_OR_RETURN(bool row, find.Step());
      if (!row) return sqlite::NoSuchFile(updated.id);
      const auto old_bytes = static_cast<uint64_t>(find.Int64(0));
      if (updated.bytes > old_bytes) {
        FILESD_RETURN_IF_ERROR(
            sqlite::EnforceQuota(c, updated.project_id, now, updated.bytes - old_bytes, 0));
      }
    }
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kUpdateFile));
      sqlite::BindVisibleFile(stmt, updated.id, updated.project_id, now);
      sqlite::BindFileValues(stmt, updated);
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
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt find, c.Use(sqlite::kGetVisibleCreatedAt));
    sqlite::BindVisibleFile(find, updated.id, updated.project_id, now);
    FILESD_ASSIGN_OR_RETURN(bool row, find.Step());
    if (!row) return sqlite::NoSuchFile(updated.id);
    return Conflict("The file changed meanwhile; it is not in the expected state");
  });
}

Status SqliteMetadataStore::SoftDeleteFile(const std::string& project_id,
                                           const std::string& file_id, int64_t now) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kSoftDeleteFile));
    sqlite::BindVisibleFile(stmt, file_id, project_id, now);
    FILESD_RETURN_IF_ERROR(stmt.Run());
    if (stmt.Changes() == 0) return sqlite::NoSuchFile(file_id);
    return Status::Ok();
  });
}

Result<std::vector<FileRecord>> SqliteMetadataStore::ListPurgeableFiles(int64_t deleted_before,
                                                                        int64_t now, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<FileRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kListPurgeable));
    stmt.Bind(1, deleted_before);
    stmt.Bind(2, now);
    stmt.Bind(3, sqlite::ClampToInt64(limit));
    return sqlite::ReadFileRows(stmt);
  });
}

Result<std::vector<FileRecord>> SqliteMetadataStore::ListStalePendingFiles(int64_t created_before,
                                                                           size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<FileRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kListStalePending));
    stmt.Bind(1, created_before);
    stmt.Bind(2, sqlite::ClampToInt64(limit));
    return sqlite::ReadFileRows(stmt);
  });
}

Status SqliteMetadataStore::PurgeFile(const std::string& file_id) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kPurgeFile));
    stmt.Bind(1, file_id);
    return stmt.Run();
  });
}

Result<MetadataStore::Usage> SqliteMetadataStore::GetUsage(const std::string& project_id,
                                                           int64_t now) {
  return Read([&](Connection& c) -> Result<Usage> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kUsage));
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

}  // namespace filesd
