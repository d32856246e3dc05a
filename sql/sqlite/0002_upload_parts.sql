-- 0002_upload_parts: the parts of OpenAI-style upload sessions (API.md section 5).
--
-- A session is a files row with status 'uploading'. Appends grow files.bytes in place; parts are
-- staged here, each in its own blob, until complete assembles the chosen ones into the file's
-- content. ON DELETE CASCADE: purging a file removes its part rows (the janitor deletes their blobs
-- first, listing them by file).
CREATE TABLE upload_parts (
  id         TEXT NOT NULL PRIMARY KEY,
  file_id    TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  bytes      INTEGER NOT NULL CHECK (bytes >= 0),
  blob_key   TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX upload_parts_by_file ON upload_parts (file_id, created_at, id);
