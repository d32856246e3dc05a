// The data directory's database, as the server and the operator's commands open it.
//
// `filesd serve` creates its data directory (mode 0700) and database when missing: zero setup.
// The operator's commands (`keys ...`, `projects ...`) only open an existing one: a mistyped
// --data-dir would otherwise create an empty database beside the real one and, say, put a new key
// where no server reads it. Not thread-safe across processes beyond what SQLite itself provides.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd {

// <data_dir>/filesd.db
std::string DatabasePath(const std::string& data_dir);

// For `serve`: creates `data_dir` (0700) if needed, then opens (creating) its database.
Result<std::unique_ptr<SqliteMetadataStore>> OpenMetadata(const std::string& data_dir);

// For the operator's commands: opens the database of an existing data directory. When `data_dir`
// does not exist, or holds no filesd.db, nothing is created and the answer is kNotFound naming the
// directory and saying how to proceed, unless `create` (--create-data-dir), which behaves as
// OpenMetadata.
Result<std::unique_ptr<SqliteMetadataStore>> OpenExistingMetadata(const std::string& data_dir,
                                                                  bool create);

}  // namespace filesd
