// Versioned schema migrations for SQLite.
//
// The schema_migrations table (created here, outside the numbered files) records every applied
// migration: version, name, SHA-256 of its text and when it was applied. ApplySqliteMigrations()
// brings a database up to the last migration it is given:
//  * each missing migration runs in its own BEGIN IMMEDIATE transaction together with the row that
//    records it, so a failure leaves neither a half-applied schema nor a record of it;
//  * the applied set is re-read under the write lock, so two processes opening the same database at
//    once apply each migration exactly once;
//  * it refuses (kInternal, nothing changed) a database that records a version this binary does not
//    know (written by a newer filesd), or whose recorded checksum differs from the embedded text (a
//    migration edited after it landed);
//  * calling it again on an up-to-date database reads one table and writes nothing.
// Internal to src/meta.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>

#include "base/status.h"
#include "meta/sql_migrations.h"

namespace filesd::sqlite {

// REQUIRES: `migrations` in strictly increasing version order starting at 1 or more (kInternal
// otherwise); `db` not inside a transaction. `now` is recorded as applied_at.
Status ApplySqliteMigrations(sqlite3* db, std::span<const SqlMigration> migrations, int64_t now);

}  // namespace filesd::sqlite
