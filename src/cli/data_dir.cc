#include "cli/data_dir.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace filesd {
namespace {

Status EnsureDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create data directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return Status::Ok();
}

constexpr char kHowToProceed[] =
    ". Check --data-dir (or FILESD_DATA_DIR): it must name the directory `filesd serve` uses. "
    "To start a new data directory, run `filesd serve --data-dir DIR` once, or pass "
    "--create-data-dir to `filesd keys create` or `filesd projects set-quota`.";

}  // namespace

std::string DatabasePath(const std::string& data_dir) { return data_dir + "/filesd.db"; }

Result<std::unique_ptr<SqliteMetadataStore>> OpenMetadata(const std::string& data_dir) {
  FILESD_RETURN_IF_ERROR(EnsureDataDir(data_dir));
  return SqliteMetadataStore::Open(DatabasePath(data_dir));
}

Result<std::unique_ptr<SqliteMetadataStore>> OpenExistingMetadata(const std::string& data_dir,
                                                                  bool create) {
  if (create) return OpenMetadata(data_dir);
  std::error_code ec;
  const auto dir_status = std::filesystem::status(data_dir, ec);
  if (!std::filesystem::exists(dir_status)) {
    return NotFound("data directory " + data_dir + " does not exist" + kHowToProceed);
  }
  if (!std::filesystem::is_directory(dir_status)) {
    return NotFound("data directory " + data_dir + " is not a directory" + kHowToProceed);
  }
  const std::string db = DatabasePath(data_dir);
  if (!std::filesystem::is_regular_file(db, ec)) {
    return NotFound("data directory " + data_dir + " holds no filesd database (filesd.db)" +
                    kHowToProceed);
  }
  return SqliteMetadataStore::Open(db);
}

}  // namespace filesd
