-- Idempotency-Key (API.md section 8): one row per key a project used on a creating POST, kept 24 h.
--
-- A row is first a claim (status_code NULL): `owner`, the server process running the request, holds
-- the key until the request ends. A request that succeeds records its fingerprint (hex SHA-256 of
-- the route, path and body's meaning) and its answer; one that fails deletes the claim, so a retry
-- runs again. A claim whose owner process died is taken over by the next retry. `file_id`, for a
-- route that creates one file, is the id reserved for it when the key was claimed, so the retry
-- that takes over finds the file the dead process may have created instead of creating another.
CREATE TABLE idempotency_keys (
  project_id    TEXT NOT NULL REFERENCES projects (id),
  key           TEXT NOT NULL,
  owner         TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  file_id       TEXT,
  fingerprint   TEXT,
  status_code   INTEGER,
  response_body TEXT,
  PRIMARY KEY (project_id, key)
) STRICT, WITHOUT ROWID;

-- The janitor removes rows past their 24 h.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
