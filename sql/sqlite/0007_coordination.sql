-- 0007_coordination: what several server instances sharing one metadata store agree through it
-- (src/coord). Times are Unix seconds of the callers' clocks.
--
-- instances: one row per server start. A live instance renews its lease (expires_at) on a timer;
-- once the lease has lapsed (expires_at <= now) the instance is gone for good: a renewal is refused,
-- and what it owned (Idempotency-Key claims, analyses, spool files) may be taken over. An id with no
-- row is gone too (rows of long-gone instances are purged).
CREATE TABLE instances (
  id         TEXT NOT NULL PRIMARY KEY,
  started_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX instances_by_expiry ON instances (expires_at);

-- leases: named leases for background work (e.g. 'janitor'), so one instance at a time does it.
-- Free when absent or expired at `now`; the holder renews or releases it.
CREATE TABLE leases (
  name       TEXT NOT NULL PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- settings: values every instance must share, created once (first writer wins) and never changed
-- by the server (e.g. the URL signing secret, hex-encoded).
CREATE TABLE settings (
  name       TEXT NOT NULL PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- analysis_owners: which instance runs the analysis of a file in status 'processing' (written in
-- the transaction that claims the file). A file in 'processing' whose owner is gone was abandoned
-- mid-analysis and is analysed again. A row left after the analysis ended is inert (only files in
-- 'processing' are looked up); purging the file removes it.
CREATE TABLE analysis_owners (
  file_id    TEXT NOT NULL PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
  instance   TEXT NOT NULL,
  claimed_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
