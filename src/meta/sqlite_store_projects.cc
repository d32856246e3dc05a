// SqliteMetadataStore, table family "projects and API keys": the tables projects and api_keys,
// their statements and the store's methods over them (contracts in metadata_store.h). Offers
// FindProject to the other families (sqlite_store_tables.h).
#include <cstdio>

#include "base/crypto.h"
#include "meta/sqlite_metadata_store.h"
#include "meta/sqlite_store_tables.h"
#include "meta/sqlite_transaction.h"

namespace filesd {
namespace sqlite {
namespace {

#define FILESD_PROJECT_COLUMNS "id, name, created_at, quota_bytes, quota_files"
#define FILESD_KEY_COLUMNS "key_id, project_id, secret_hash, created_at, revoked_at, expires_at"

// String pieces line up with the SQL they build.
// clang-format off
constexpr SqlStatement kGetProjectByName{"get project by name",
    "SELECT " FILESD_PROJECT_COLUMNS " FROM projects WHERE name = ?1"};
constexpr SqlStatement kGetProject{"get project",
    "SELECT " FILESD_PROJECT_COLUMNS " FROM projects WHERE id = ?1"};
constexpr SqlStatement kListProjects{"list projects",
    "SELECT " FILESD_PROJECT_COLUMNS " FROM projects ORDER BY name"};
constexpr SqlStatement kInsertProject{"insert project",
    "INSERT INTO projects (id, name, created_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO NOTHING"};
constexpr SqlStatement kSetProjectQuota{"set project quota",
    "UPDATE projects SET quota_bytes = ?2, quota_files = ?3 WHERE id = ?1"};
constexpr SqlStatement kInsertApiKey{"insert api key",
    "INSERT INTO api_keys (" FILESD_KEY_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"};
constexpr SqlStatement kGetApiKey{"get api key",
    "SELECT " FILESD_KEY_COLUMNS " FROM api_keys WHERE key_id = ?1"};
constexpr SqlStatement kListApiKeys{"list api keys",
    "SELECT " FILESD_KEY_COLUMNS " FROM api_keys ORDER BY created_at, key_id"};
constexpr SqlStatement kRevokeApiKey{"revoke api key",
    "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE key_id = ?1"};
constexpr SqlStatement kCountApiKeys{"count api keys",
    "SELECT count(*) FROM api_keys WHERE project_id = ?1"};
// clang-format on

#undef FILESD_PROJECT_COLUMNS
#undef FILESD_KEY_COLUMNS

Project ReadProjectRow(const Stmt& row) {
  Project p;
  p.id = row.Text(0);
  p.name = row.Text(1);
  p.created_at = row.Int64(2);
  if (!row.IsNull(3)) p.quota_bytes = static_cast<uint64_t>(row.Int64(3));
  if (!row.IsNull(4)) p.quota_files = static_cast<uint64_t>(row.Int64(4));
  return p;
}

ApiKeyRecord ReadKeyRow(const Stmt& row) {
  ApiKeyRecord k;
  k.key_id = row.Text(0);
  k.project_id = row.Text(1);
  k.secret_hash = row.Text(2);
  k.created_at = row.Int64(3);
  k.revoked_at = row.OptionalInt64(4);
  k.expires_at = row.OptionalInt64(5);
  return k;
}

}  // namespace

Result<std::optional<Project>> FindProject(Connection& c, const std::string& project_id) {
  FILESD_ASSIGN_OR_RETURN(Stmt stmt, c.Use(kGetProject));
  stmt.Bind(1, project_id);
  FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Project>();
  return std::optional<Project>(ReadProjectRow(stmt));
}

}  // namespace sqlite

using sqlite::Connection;

Result<Project> SqliteMetadataStore::EnsureProject(const std::string& name, int64_t now) {
  // The common case (the project exists) reads only; the write lock is taken to create it.
  Result<Project> existing = GetProjectByName(name);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;

  const std::string id = NewUuidV4();
  return Write([&](Connection& c) -> Result<Project> {
    {
      FILESD_ASSIGN_OR_RETURN(sqlite::Stmt insert, c.Use(sqlite::kInsertProject));
      insert.Bind(1, id);
      insert.Bind(2, name);
      insert.Bind(3, now);
      FILESD_RETURN_IF_ERROR(insert.Run());  // a no-op if the name was taken meanwhile
    }
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt get, c.Use(sqlite::kGetProjectByName));
    get.Bind(1, name);
    FILESD_ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row) return Internal("metadata store: project vanished while being created");
    return sqlite::ReadProjectRow(get);
  });
}

Result<Project> SqliteMetadataStore::GetProjectByName(const std::string& name) {
  return Read([&](Connection& c) -> Result<Project> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kGetProjectByName));
    stmt.Bind(1, name);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("No such project: " + name);
    return sqlite::ReadProjectRow(stmt);
  });
}

Result<std::vector<Project>> SqliteMetadataStore::ListProjects() {
  return Read([&](Connection& c) -> Result<std::vector<Project>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kListProjects));
    return sqlite::ReadAllRows(stmt, sqlite::ReadProjectRow);
  });
}

Result<Project> SqliteMetadataStore::GetProject(const std::string& project_id) {
  return Read([&](Connection& c) -> Result<Project> {
    FILESD_ASSIGN_OR_RETURN(std::optional<Project> project, sqlite::FindProject(c, project_id));
    if (!project) return NotFound("No such project: " + project_id);
    return std::move(*project);
  });
}

Status SqliteMetadataStore::SetProjectQuota(const std::string& project_id,
                                            std::optional<uint64_t> quota_bytes,
                                            std::optional<uint64_t> quota_files) {
  if ((quota_bytes && *quota_bytes > sqlite::kMaxStoredUnsigned) ||
      (quota_files && *quota_files > sqlite::kMaxStoredUnsigned)) {
    return InvalidArgument("quota out of range");
  }
  const std::optional<int64_t> bytes = sqlite::OptionalToInt64(quota_bytes);
  const std::optional<int64_t> files = sqlite::OptionalToInt64(quota_files);
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kSetProjectQuota));
    stmt.Bind(1, project_id);
    stmt.Bind(2, bytes);
    stmt.Bind(3, files);
    FILESD_RETURN_IF_ERROR(stmt.Run());
    // SQLite counts matched rows, even when the values are unchanged.
    if (stmt.Changes() == 0) return NotFound("No such project: " + project_id);
    return Status::Ok();
  });
}

// ---- API keys ----

Status SqliteMetadataStore::InsertApiKey(const ApiKeyRecord& key) {
  return Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kInsertApiKey));
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
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kGetApiKey));
    stmt.Bind(1, key_id);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("No such API key");
    return sqlite::ReadKeyRow(stmt);
  });
}

Result<std::vector<ApiKeyRecord>> SqliteMetadataStore::ListApiKeys() {
  return Read([&](Connection& c) -> Result<std::vector<ApiKeyRecord>> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kListApiKeys));
    return sqlite::ReadAllRows(stmt, sqlite::ReadKeyRow);
  });
}

Status SqliteMetadataStore::RevokeApiKey(const std::string& key_id, int64_t now) {
  Status revoked = Write([&](Connection& c) -> Status {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kRevokeApiKey));
    stmt.Bind(1, key_id);
    stmt.Bind(2, now);
    FILESD_RETURN_IF_ERROR(stmt.Run());
    if (stmt.Changes() == 0) return NotFound("No such API key");
    return Status::Ok();
  });
  if (!revoked.ok()) return revoked;
  // After the commit, so that a cache that re-reads the key on seeing the bump finds it revoked.
  if (Status bumped = auth_revision_.Bump(); !bumped.ok()) {
    std::fprintf(stderr, "filesd: key %s is revoked, but %s; running servers refuse it within "
                 "their auth cache TTL\n", key_id.c_str(), bumped.message().c_str());
  }
  return Status::Ok();
}

Result<uint64_t> SqliteMetadataStore::CountApiKeys(const std::string& project_id) {
  return Read([&](Connection& c) -> Result<uint64_t> {
    FILESD_ASSIGN_OR_RETURN(sqlite::Stmt stmt, c.Use(sqlite::kCountApiKeys));
    stmt.Bind(1, project_id);
    FILESD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Internal("metadata store: count returned no row");
    return static_cast<uint64_t>(stmt.Int64(0));
  });
}

}  // namespace filesd
