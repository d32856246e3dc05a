// What the SQLite store's table-family files share: value conversions and the few in-transaction
// helpers one family offers the others.
//
// The store's layout (src/meta):
//   sqlite_metadata_store.{h,cc}   the class, Open (WAL, migrations), readiness, test pragmas
//   sqlite_connection.{h,cc}       a connection with its prepared statements; the pool
//   sqlite_transaction.h           Read / ReadSnapshot / Write (the transaction runner)
//   sqlite_store_<family>.cc       one table family: its SQL texts and its methods, together
//     sqlite_store_projects.cc       projects and api_keys
//     sqlite_store_files.cc          files, usage (quotas)
//     sqlite_store_blob_intents.cc   blob_intents
//     sqlite_store_upload_parts.cc   upload_parts
//     sqlite_store_upload_segments.cc  upload_segments
//     sqlite_store_idempotency.cc    idempotency_keys
//     sqlite_store_coordination.cc   instances, leases, settings, analysis_owners (0007)
//
// Adding a table family (e.g. upload segments, coordination):
//   1. the table in a new migration sql/sqlite/NNNN_<name>.sql (never edit an applied one);
//   2. the methods in metadata_store.h and their overrides in sqlite_metadata_store.h;
//   3. one new file src/meta/sqlite_store_<family>.cc (the build picks up every .cc of src/meta):
//      its statements as `constexpr sqlite::SqlStatement kName{"what", "SQL"}` in an anonymous
//      namespace (prepared once per connection, on first use; never build SQL per call), and the
//      SqliteMetadataStore methods, each one Read / ReadSnapshot / Write call (sqlite_transaction.h);
//   4. if another family must act on your table inside its transaction (e.g. PurgeFile removing a
//      file's rows), declare the helper below, define it in your file, and call it from there.
// Every helper below runs inside the caller's transaction on the caller's connection.
//
// Internal to src/meta: only the SQLite store's files include this.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "base/status.h"
#include "meta/records.h"
#include "meta/sqlite_connection.h"

namespace filesd::sqlite {

// SQLite integers are signed 64-bit; larger sizes and quotas are refused rather than wrapped.
inline constexpr uint64_t kMaxStoredUnsigned =
    static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

inline int64_t ClampToInt64(uint64_t v) {
  return static_cast<int64_t>(std::min(v, kMaxStoredUnsigned));
}

inline std::optional<int64_t> OptionalToInt64(const std::optional<uint64_t>& v) {
  if (!v.has_value()) return std::nullopt;
  return static_cast<int64_t>(*v);
}

// Every row of `stmt` (bound, not yet stepped), each read by `read_row(const Stmt&)`, which returns
// the row's value; fails as Stmt::Step.
template <typename ReadRow>
auto ReadAllRows(Stmt& stmt, ReadRow read_row)
    -> Result<std::vector<std::invoke_result_t<ReadRow&, const Stmt&>>> {
  std::vector<std::invoke_result_t<ReadRow&, const Stmt&>> rows;
  while (true) {
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return rows;
    rows.push_back(read_row(stmt));
  }
}

// ---- projects (sqlite_store_projects.cc) ----

// The project `project_id`, or nullopt if there is none.
Result<std::optional<Project>> FindProject(Connection& c, const std::string& project_id);

// ---- files (sqlite_store_files.cc) ----

// The kNotFound every file call answers for an absent or invisible file.
Status NoSuchFile(const std::string& file_id);

// The file `file_id` of `project_id` if visible at `now` (metadata_store.h); else NoSuchFile.
Result<FileRecord> FindVisibleFile(Connection& c, const std::string& project_id,
                                   const std::string& file_id, int64_t now);

// The status and size of a visible file, without reading the rest of its row.
struct VisibleFileState {
  std::optional<FileStatus> status;  // nullopt: a status this binary does not know
  uint64_t bytes = 0;
};
// As FindVisibleFile: NoSuchFile if absent or invisible.
Result<VisibleFileState> FindVisibleFileState(Connection& c, const std::string& project_id,
                                              const std::string& file_id, int64_t now);

// The quota rule (meta/quota_rule.h) for `project_id` growing by `add_bytes` in `add_files` files,
// read and decided inside the caller's write transaction, so no concurrent change slips between.
// kResourceExhausted when over; Ok if the project has no quota (or does not exist: the foreign
// key refuses the row itself).
Status EnforceQuota(Connection& c, const std::string& project_id, int64_t now, uint64_t add_bytes,
                    uint64_t add_files);

// Sets the size of the uploading file `file_id` from `from_bytes` to `to_bytes` (updated_at = now)
// if it still has that size and status; kConflict ("offset_mismatch") otherwise. The caller checked
// visibility and quota in the same transaction.
Status GrowUploadingFile(Connection& c, const std::string& file_id, uint64_t from_bytes,
                         uint64_t to_bytes, int64_t now);

// ---- upload parts (sqlite_store_upload_parts.cc) ----

// True when the file has at least one upload part.
Result<bool> HasUploadParts(Connection& c, const std::string& file_id);

// ---- blob intents (sqlite_store_blob_intents.cc) ----

// Removes the intent of `blob_key` (the blob is now referenced by a row). A no-op for "" or a key
// without an intent.
Status RemoveIntent(Connection& c, const std::string& blob_key);

}  // namespace filesd::sqlite
