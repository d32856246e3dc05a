-- 0006_upload_segments: upload sessions on immutable segments (issue 10).
--
-- Each acknowledged append of a session is its own blob, recorded here with where it starts, its
-- length and the SHA-256 state after it (Sha256::ExportState, base/crypto.h), in the transaction
-- that advances files.bytes; the segments of a session tile [0, files.bytes). The key
-- (file_id, offset_bytes) makes two appends at one offset impossible. ON DELETE CASCADE: purging a
-- file removes its segment rows (the janitor deletes their blobs first, listing them by file).
CREATE TABLE upload_segments (
  file_id      TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  offset_bytes INTEGER NOT NULL CHECK (offset_bytes >= 0),
  bytes        INTEGER NOT NULL CHECK (bytes > 0),
  blob_key     TEXT NOT NULL,
  sha256_state TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (file_id, offset_bytes)
) STRICT, WITHOUT ROWID;

-- Parts chain their hash states: seq numbers a session's parts in the order they were added,
-- chain_prev names the part whose state a part continued ('' for a fresh start), sha256_state is
-- the state after it ('' for parts staged before this migration: they are hashed at complete).
ALTER TABLE upload_parts ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE upload_parts ADD COLUMN chain_prev TEXT NOT NULL DEFAULT '';
ALTER TABLE upload_parts ADD COLUMN sha256_state TEXT NOT NULL DEFAULT '';
-- Parts staged before: numbered in the order they were listed, (created_at, id).
UPDATE upload_parts SET seq = (
  SELECT count(*) FROM upload_parts AS earlier
  WHERE earlier.file_id = upload_parts.file_id
    AND (earlier.created_at, earlier.id) <= (upload_parts.created_at, upload_parts.id));
CREATE UNIQUE INDEX upload_parts_by_seq ON upload_parts (file_id, seq);
