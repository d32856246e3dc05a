// Command line of the `filesd` binary: subcommands, flags, FILESD_<NAME> environment variables and
// an optional config file (INI/TOML, `--config FILE` or FILESD_CONFIG). Flags beat the environment,
// which beats the file, which beats the defaults. Every problem is reported at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace filesd {

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string host;  // derived from `listen` by Validate()
  uint16_t port = 0;
  std::string data_dir = "./data";
  uint64_t max_file_bytes = 8ull << 30;
  uint64_t max_header_bytes = 16 * 1024;
  int64_t read_timeout_seconds = 60;
  int64_t idle_timeout_seconds = 75;
  int64_t write_timeout_seconds = 60;
  // On SIGTERM/SIGINT, seconds requests in flight get to finish (net/http_server.h); 0 = none.
  int64_t shutdown_grace_seconds = 30;
  int64_t deleted_retention_seconds = 7 * 24 * 3600;
  int64_t janitor_interval_seconds = 60;
  int64_t orphan_grace_seconds = 3600;
  int64_t pending_grace_seconds = 24 * 3600;
  unsigned io_threads = 2;
  unsigned dispatch_threads = 2;
  // Seconds an authenticated API key is remembered (meta/auth_cache.h); 0 = no cache. Revocations
  // through filesd (`keys revoke`) apply at once regardless; this bounds only changes made behind
  // filesd's back.
  int64_t auth_cache_ttl_seconds = 2;
  // Decide short bounded requests on the I/O thread (ServerOptions::inline_short_requests).
  bool inline_short_requests = true;
  unsigned pool_threads = 8;
  bool access_log = true;
  // Limits of one file analysis (API.md section 6), each refused with a clear message on the file.
  double process_timeout_seconds = 30;
  uint64_t process_memory_bytes = uint64_t{2} << 30;
  uint64_t max_image_pixels = 100'000'000;
  int max_ocr_pages = 20;
  int max_json_depth = 512;
  uint64_t max_decompressed_bytes = uint64_t{512} << 20;
  uint64_t max_text_bytes = uint64_t{8} << 20;
  // Pre-signed upload flow (API.md section 4).
  std::string public_base_url;      // what upload URLs start with; "" = "http://" + listen
  int64_t upload_url_ttl_seconds = 60;
  // Upload sessions (API.md section 5): seconds until a session's file expires.
  int64_t session_ttl_seconds = 86400;
  std::string url_signing_secret;   // "" = the 32 random bytes kept in <data-dir>/secret
  // The file-analysis worker; "" = filesd-worker next to the filesd executable.
  std::string worker_path;
  // CORS (API.md section 8): comma-separated origins ("https://app.example.com"); "" = none.
  std::string cors_origins;
  std::vector<std::string> cors_origin_list;  // split and checked by Validate()
};

// `filesd keys create|list|revoke` and `filesd projects list|show|set-quota` work on the database
// of an existing data directory: a directory that does not exist, or holds no filesd database, is
// refused (a mistyped --data-dir must not create an empty database) unless `create_data_dir` is
// set, which only `keys create` and `projects set-quota` offer (--create-data-dir).
struct KeysCommand {
  enum class Action { kCreate, kList, kRevoke };
  Action action = Action::kList;
  std::string data_dir = "./data";
  bool create_data_dir = false;  // create
  bool quiet = false;            // create: print only the key
  std::string project;           // create
  std::string key;               // revoke: a key id, or the whole key fsd_<id>_<secret>
};

// `filesd projects set-quota NAME [--bytes SIZE|none] [--files N|none]`, `projects show NAME` and
// `projects list` (API.md section 8). An omitted quota flag keeps the current value; "none" removes
// the quota; --bytes takes a size with an optional unit (config/byte_size.h).
struct ProjectsCommand {
  enum class Action { kSetQuota, kShow, kList };
  Action action = Action::kShow;
  std::string data_dir = "./data";
  bool create_data_dir = false;            // set-quota
  std::string project;                     // set-quota, show
  std::optional<std::string> quota_bytes;  // as given: a size or "none"
  std::optional<std::string> quota_files;  // as given: decimal or "none"
};

struct CommandLine {
  std::variant<ServeConfig, KeysCommand, ProjectsCommand> command;
};

// Parses argv. Returns the command, or the process exit code when parsing already finished the
// job (--help, --version, `version`: 0) or failed (message printed on stderr: 2). Flags that take
// bytes accept sizes with units (config/byte_size.h).
std::variant<CommandLine, int> ParseCommandLine(int argc, char** argv);

// Every problem with `config` (empty when valid); fills host/port from listen.
std::vector<std::string> Validate(ServeConfig& config);

}  // namespace filesd
