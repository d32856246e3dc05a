-- 0001_init: projects, API keys, files and blob intents.
--
-- How migrations work (src/meta/sqlite_migrator.h): every sql/sqlite/NNNN_name.sql is compiled into
-- the binary (cmake/embed_sql.cmake) and applied in order when the store opens, each in its own
-- transaction, then recorded with a SHA-256 of its text in schema_migrations. Never edit a file
-- once it has landed (the checksum refuses to start on an edited one): add the next NNNN_name.sql.
-- No BEGIN/COMMIT and no PRAGMA here: the migrator owns the transaction, and connection settings
-- (WAL, synchronous, foreign_keys) are set by the store on every connection.
--
-- Conventions: times are Unix seconds; sizes and quotas are INTEGER (int64; the store refuses
-- larger values); files.status holds the wire name of FileStatus ("pending" ... "error") with no
-- CHECK, so a later status needs no table rebuild. STRICT tables refuse values of the wrong type.
-- Small rows with a text key are WITHOUT ROWID (one b-tree probe per point lookup); files keeps its
-- rowid because its rows carry metadata_json and can be several KiB.
--
-- Planned for later migrations, kept in mind here: upload sessions and parts (rows keyed by
-- files.id, ON DELETE CASCADE so PurgeFile removes them), idempotency records keyed by
-- (project_id, key) with an expiry, and quota enforcement over the columns already in projects.

CREATE TABLE projects (
  id          TEXT NOT NULL PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  quota_bytes INTEGER CHECK (quota_bytes >= 0),
  quota_files INTEGER CHECK (quota_files >= 0)
) STRICT, WITHOUT ROWID;

-- secret_hash is the hex SHA-256 of the secret part of the token; the secret itself is never stored.
CREATE TABLE api_keys (
  key_id      TEXT NOT NULL PRIMARY KEY,
  project_id  TEXT NOT NULL REFERENCES projects (id),
  secret_hash TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  expires_at  INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX api_keys_by_project ON api_keys (project_id);

CREATE TABLE files (
  id                 TEXT NOT NULL PRIMARY KEY,
  project_id         TEXT NOT NULL REFERENCES projects (id),
  filename           TEXT NOT NULL,
  purpose            TEXT NOT NULL,
  bytes              INTEGER NOT NULL CHECK (bytes >= 0),
  status             TEXT NOT NULL,
  status_details     TEXT,
  mime_type          TEXT NOT NULL,
  sha256             TEXT,
  blob_key           TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  expires_at         INTEGER,
  processed_at       INTEGER,
  metadata_json      TEXT,
  processing_summary TEXT,
  deleted_at         INTEGER
) STRICT;

-- Listing, counting and usage of a project's live rows, in (created_at, id) order either way.
-- Partial on deleted_at IS NULL, so soft-deleted rows cost listings nothing; purpose, expires_at and
-- bytes ride along so that the purpose filter, the expiry test, the total and the usage sum are
-- answered from the index alone (only the rows of the returned page touch the table). deleted_at is
-- always NULL here; it is listed only because SQLite's planner treats the index as covering only
-- when every column the query names is in it.
CREATE INDEX files_live_by_project
  ON files (project_id, created_at, id, purpose, expires_at, bytes, deleted_at)
  WHERE deleted_at IS NULL;

-- The janitor: rows soft-deleted long enough ago, and rows past their expiry.
CREATE INDEX files_deleted ON files (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX files_expiring ON files (expires_at) WHERE expires_at IS NOT NULL;

-- Blob keys about to be written. CreateFile/UpdateFile delete the key they adopt; what remains after
-- its upload's time is an orphan for the janitor.
CREATE TABLE blob_intents (
  blob_key   TEXT NOT NULL PRIMARY KEY,
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX blob_intents_by_age ON blob_intents (created_at);
