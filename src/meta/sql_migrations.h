// Numbered SQL migrations compiled into the binary.
//
// The definitions are generated at build time by cmake/embed_sql.cmake from
// sql/<dialect>/NNNN_name.sql, one entry per file in version order, the text byte for byte. Nothing
// reads the source tree at run time.
#pragma once

#include <span>
#include <string_view>

namespace filesd {

struct SqlMigration {
  int version = 0;        // NNNN of the file name; strictly increasing, starting at 1
  std::string_view name;  // the part after NNNN_, without ".sql"
  std::string_view sql;   // the whole file: one or more statements, no BEGIN/COMMIT
};

// The migrations of sql/sqlite/, in version order.
std::span<const SqlMigration> SqliteMigrations();

}  // namespace filesd
