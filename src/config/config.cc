#include "config/config.h"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string_view>
#include <iostream>

#include "config/byte_size.h"

namespace filesd {
namespace {

// Adds `--name` bound to `*value`, also read from FILESD_<NAME>.
template <typename T>
CLI::Option* Flag(CLI::App* app, const std::string& name, T* value, const std::string& help) {
  std::string env = "FILESD_";
  for (char c : name) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return app->add_option("--" + name, *value, help)->envname(env)->capture_default_str();
}

// Adds `--name` (and FILESD_<NAME>) taking a size in bytes with an optional unit ("10MB", "8GiB";
// config/byte_size.h), from the command line, the environment and the config file alike; the help
// shows the default in the same form.
CLI::Option* SizeFlag(CLI::App* app, const std::string& name, uint64_t* value,
                      const std::string& help) {
  const std::string shown = FormatByteSize(*value);
  CLI::Option* opt = Flag(app, name, value, help);
  opt->transform(CLI::Validator(
      [](std::string& text) -> std::string {
        Result<uint64_t> bytes = ParseByteSize(text);
        if (!bytes.ok()) return bytes.status().message();
        text = std::to_string(*bytes);
        return "";
      },
      ""));
  return opt->type_name("SIZE")->default_str(shown);
}

// The config file named by `serve --config FILE` / `--config=FILE`, else by FILESD_CONFIG.
std::optional<std::string> FindConfigPath(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "serve") return std::nullopt;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) return std::string(argv[i + 1]);
    if (arg.substr(0, 9) == "--config=") return std::string(arg.substr(9));
  }
  if (const char* env = std::getenv("FILESD_CONFIG"); env != nullptr && *env != '\0') return env;
  return std::nullopt;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads `name = value` lines into the defaults of `cmd`'s options. Throws CLI::ConversionError (a
// CLI::Error, reported like any command-line error) for an unreadable file, an unknown key or a
// malformed line, naming the file and line.
void LoadConfigDefaults(const std::string& path, CLI::App* cmd) {
  std::ifstream in(path);
  if (!in) throw CLI::ConversionError("config file " + path + " cannot be read");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#' || text.front() == ';' || text == "[serve]") continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) throw CLI::ConversionError(where + "expected name = value");
    const std::string name(Trim(text.substr(0, eq)));
    std::string_view value = Trim(text.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    CLI::Option* opt = name == "config" ? nullptr : cmd->get_option_no_throw("--" + name);
    if (opt == nullptr) throw CLI::ConversionError(where + "unknown setting '" + name + "'");
    opt->default_val(std::string(value));
  }
}

}  // namespace

std::variant<CommandLine, int> ParseCommandLine(int argc, char** argv) {
  CLI::App app{"filesd: a self-hostable Files API server for AI applications"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show every subcommand's help");

  ServeConfig serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Run the HTTP server");
  std::string config_file;
  serve_cmd->add_option("--config", config_file,
                        "Config file: `flag-name = value` lines (an optional [serve] header, "
                        "# comments); flags and FILESD_* variables override it")
      ->envname("FILESD_CONFIG");
  Flag(serve_cmd, "listen", &serve.listen, "Address to listen on, HOST:PORT");
  Flag(serve_cmd, "data-dir", &serve.data_dir, "Directory for the database and file content");
  SizeFlag(serve_cmd, "max-file-bytes", &serve.max_file_bytes,
           "Largest file accepted (bytes, or with a unit: 10MB, 8GiB)");
  SizeFlag(serve_cmd, "max-header-bytes", &serve.max_header_bytes,
           "Largest request header (bytes, or with a unit: 16KiB)");
  Flag(serve_cmd, "read-timeout", &serve.read_timeout_seconds,
       "Seconds a read may make no progress before the connection is closed");
  Flag(serve_cmd, "idle-timeout", &serve.idle_timeout_seconds,
       "Seconds an idle keep-alive connection is kept");
  Flag(serve_cmd, "write-timeout", &serve.write_timeout_seconds,
       "Seconds a client may take no response bytes before the connection is closed");
  Flag(serve_cmd, "shutdown-grace", &serve.shutdown_grace_seconds,
       "Seconds requests in flight get to finish after SIGTERM/SIGINT (new ones get 503); "
       "0 stops at once");
  Flag(serve_cmd, "deleted-retention", &serve.deleted_retention_seconds,
       "Seconds the content of a deleted file is kept before it is purged");
  Flag(serve_cmd, "janitor-interval", &serve.janitor_interval_seconds,
       "Seconds between janitor passes (purge, expiry, orphan cleanup)");
  Flag(serve_cmd, "orphan-grace", &serve.orphan_grace_seconds,
       "Seconds before content written by an upload that never committed is removed");
  Flag(serve_cmd, "pending-grace", &serve.pending_grace_seconds,
       "Seconds after which a file whose pre-signed upload never came is removed");
  Flag(serve_cmd, "io-threads", &serve.io_threads, "Threads doing network I/O");
  Flag(serve_cmd, "auth-cache-ttl", &serve.auth_cache_ttl_seconds,
       "Seconds an authenticated API key is remembered without a database read (0: never); "
       "revocations by `filesd keys revoke` apply at once regardless");
  Flag(serve_cmd, "inline-short-requests", &serve.inline_short_requests,
       "Decide short requests (GET /v1/files/{id}, health, metrics, header-only refusals) on the "
       "I/O thread instead of the dispatch pool");
  Flag(serve_cmd, "dispatch-threads", &serve.dispatch_threads,
       "Threads deciding requests from their header and reading response bodies (short work)");
  Flag(serve_cmd, "pool-threads", &serve.pool_threads,
       "Threads consuming request bodies: writes, fsync, file analysis (may block for long)");
  Flag(serve_cmd, "access-log", &serve.access_log, "Write one JSON line per request to stdout");
  Flag(serve_cmd, "process-timeout", &serve.process_timeout_seconds,
       "Seconds one file analysis may take before its worker is killed");
  SizeFlag(serve_cmd, "process-memory-bytes", &serve.process_memory_bytes,
           "Address-space limit of the analysis worker (bytes, or with a unit: 2GiB)");
  Flag(serve_cmd, "max-image-pixels", &serve.max_image_pixels,
       "Images (and PDF pages rendered for OCR) with more pixels are refused before decoding");
  Flag(serve_cmd, "max-ocr-pages", &serve.max_ocr_pages,
       "PDF pages without a text layer read by OCR; later ones are skipped");
  Flag(serve_cmd, "max-json-depth", &serve.max_json_depth, "JSON nested deeper is refused");
  SizeFlag(serve_cmd, "max-decompressed-bytes", &serve.max_decompressed_bytes,
           "Bytes an xlsx may expand to; a zip bomb is refused, never expanded");
  SizeFlag(serve_cmd, "max-text-bytes", &serve.max_text_bytes,
           "Size cap of the text extracted for GET /v1/files/{id}/text");
  Flag(serve_cmd, "public-base-url", &serve.public_base_url,
       "Scheme, host and port that signed upload URLs start with (default http://LISTEN)");
  Flag(serve_cmd, "session-ttl", &serve.session_ttl_seconds,
       "Seconds until an upload session's file expires and is deleted");
  Flag(serve_cmd, "upload-url-ttl", &serve.upload_url_ttl_seconds,
       "Seconds a signed upload URL stays valid");
  Flag(serve_cmd, "url-signing-secret", &serve.url_signing_secret,
       "Secret (32+ bytes) that signs upload URLs (default: generated once in DATA_DIR/secret)");
  Flag(serve_cmd, "worker-path", &serve.worker_path,
       "The filesd-worker executable (default: next to filesd)");
  Flag(serve_cmd, "cors-origins", &serve.cors_origins,
       "Comma-separated origins allowed to call from a browser (CORS), e.g. https://app.example.com");

  KeysCommand keys;
  CLI::App* keys_cmd = app.add_subcommand("keys", "Create, list and revoke API keys");
  keys_cmd->require_subcommand(1);
  Flag(keys_cmd, "data-dir", &keys.data_dir, "Data directory of the server");
  CLI::App* create = keys_cmd->add_subcommand("create", "Create a key; prints it as the last line");
  create->add_option("--project", keys.project, "Project the key belongs to")->required();
  Flag(create, "data-dir", &keys.data_dir, "Data directory of the server");
  create->add_flag("--create-data-dir", keys.create_data_dir,
                   "Create the data directory and its database if missing (before the first "
                   "`filesd serve`)");
  create->add_flag("--quiet,-q", keys.quiet, "Print only the key: KEY=$(filesd keys create ...)");
  CLI::App* list = keys_cmd->add_subcommand("list", "List keys (never their secrets)");
  Flag(list, "data-dir", &keys.data_dir, "Data directory of the server");
  CLI::App* revoke = keys_cmd->add_subcommand("revoke", "Revoke a key, given its id or the key");
  revoke
      ->add_option("key", keys.key,
                   "Key id as shown by `keys list`, or the whole key fsd_<id>_<secret> (its secret "
                   "must match)")
      ->required();
  Flag(revoke, "data-dir", &keys.data_dir, "Data directory of the server");

  ProjectsCommand projects;
  CLI::App* projects_cmd =
      app.add_subcommand("projects", "List and show projects, and set their quotas");
  projects_cmd->require_subcommand(1);
  Flag(projects_cmd, "data-dir", &projects.data_dir, "Data directory of the server");
  CLI::App* set_quota = projects_cmd->add_subcommand(
      "set-quota", "Set a project's quotas (created if missing); 'none' removes one");
  set_quota->add_option("name", projects.project, "Project name")->required();
  set_quota->add_option("--bytes", projects.quota_bytes,
                        "Most bytes the project may store (units allowed: 10GB, 8GiB), or none");
  set_quota->add_option("--files", projects.quota_files, "Most files the project may store, or none");
  Flag(set_quota, "data-dir", &projects.data_dir, "Data directory of the server");
  set_quota->add_flag("--create-data-dir", projects.create_data_dir,
                      "Create the data directory and its database if missing");
  CLI::App* show = projects_cmd->add_subcommand("show", "Show a project's usage and quotas");
  show->add_option("name", projects.project, "Project name")->required();
  Flag(show, "data-dir", &projects.data_dir, "Data directory of the server");
  CLI::App* list_projects =
      projects_cmd->add_subcommand("list", "List every project with its usage and quotas");
  Flag(list_projects, "data-dir", &projects.data_dir, "Data directory of the server");

  const std::string version = "filesd " FILESD_VERSION;
  app.set_version_flag("--version", version, "Print the version and exit");
  CLI::App* version_cmd = app.add_subcommand("version", "Print the version");

  try {
    // CLI11 does not read a subcommand's config file, so the file's values become the options'
    // defaults before parsing: FILESD_* variables and flags then override them as usual.
    if (auto path = FindConfigPath(argc, argv)) LoadConfigDefaults(*path, serve_cmd);
    app.parse(argc, argv);
  } catch (const CLI::Error& e) {
    // Help and version answer 0; every usage error (CLI11 has a code for each kind) answers 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  CommandLine out;
  if (version_cmd->parsed()) {
    std::printf("%s\n", version.c_str());
    return 0;
  }
  if (serve_cmd->parsed()) {
    out.command = serve;
  } else if (projects_cmd->parsed()) {
    projects.action = set_quota->parsed()       ? ProjectsCommand::Action::kSetQuota
                      : list_projects->parsed() ? ProjectsCommand::Action::kList
                                                : ProjectsCommand::Action::kShow;
    out.command = projects;
  } else {
    if (create->parsed()) keys.action = KeysCommand::Action::kCreate;
    if (revoke->parsed()) keys.action = KeysCommand::Action::kRevoke;
    out.command = keys;
  }
  return out;
}

std::vector<std::string> Validate(ServeConfig& c) {
  std::vector<std::string> problems;
  const size_t colon = c.listen.rfind(':');
  if (colon == std::string::npos) {
    problems.push_back("--listen must be HOST:PORT, got '" + c.listen + "'");
  } else {
    std::string host = c.listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) problems.push_back("--listen host must be an IP address, got '" + host + "'");
    const std::string port = c.listen.substr(colon + 1);
    unsigned value = 0;
    auto [ptr, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || err != std::errc() || ptr != port.data() + port.size() || value > 65535) {
      problems.push_back("--listen port must be 0..65535, got '" + port + "'");
    }
    c.host = host;
    c.port = static_cast<uint16_t>(value);
  }
  if (c.data_dir.empty()) problems.push_back("--data-dir must not be empty");
  if (c.max_file_bytes == 0) problems.push_back("--max-file-bytes must be positive");
  if (c.max_header_bytes < 1024 || c.max_header_bytes > (1u << 20)) {
    problems.push_back("--max-header-bytes must be from 1024 to 1048576");
  }
  if (c.read_timeout_seconds < 1) problems.push_back("--read-timeout must be at least 1");
  if (c.idle_timeout_seconds < 1) problems.push_back("--idle-timeout must be at least 1");
  if (c.write_timeout_seconds < 1) problems.push_back("--write-timeout must be at least 1");
  if (c.shutdown_grace_seconds < 0 || c.shutdown_grace_seconds > 24 * 3600) {
    problems.push_back("--shutdown-grace must be from 0 to 86400 seconds");
  }
  if (c.deleted_retention_seconds < 0) problems.push_back("--deleted-retention must be >= 0");
  if (c.janitor_interval_seconds < 1) problems.push_back("--janitor-interval must be at least 1");
  if (c.session_ttl_seconds < 1) problems.push_back("--session-ttl must be at least 1");
  if (c.orphan_grace_seconds < 0) problems.push_back("--orphan-grace must be >= 0");
  if (c.pending_grace_seconds < 0) problems.push_back("--pending-grace must be >= 0");
  if (c.auth_cache_ttl_seconds < 0 || c.auth_cache_ttl_seconds > 3600) {
    problems.push_back("--auth-cache-ttl must be from 0 to 3600 seconds");
  }
  if (c.io_threads < 1 || c.io_threads > 64) problems.push_back("--io-threads must be 1..64");
  if (!(c.process_timeout_seconds > 0)) problems.push_back("--process-timeout must be positive");
  if (c.process_memory_bytes < (64u << 20)) problems.push_back("--process-memory-bytes must be at least 64 MiB");
  if (c.max_image_pixels < 1) problems.push_back("--max-image-pixels must be positive");
  if (c.max_ocr_pages < 0) problems.push_back("--max-ocr-pages must be >= 0");
  if (c.max_json_depth < 1) problems.push_back("--max-json-depth must be at least 1");
  if (c.max_decompressed_bytes < 1) problems.push_back("--max-decompressed-bytes must be positive");
  if (c.max_text_bytes < 1) problems.push_back("--max-text-bytes must be positive");
  if (c.pool_threads < 1 || c.pool_threads > 256) problems.push_back("--pool-threads must be 1..256");
  if (c.dispatch_threads < 1 || c.dispatch_threads > 256) {
    problems.push_back("--dispatch-threads must be 1..256");
  }
  if (c.upload_url_ttl_seconds < 1 || c.upload_url_ttl_seconds > 7 * 24 * 3600) {
    problems.push_back("--upload-url-ttl must be from 1 to 604800 seconds");
  }
  while (!c.public_base_url.empty() && c.public_base_url.back() == '/') c.public_base_url.pop_back();
  if (!c.public_base_url.empty() && !c.public_base_url.starts_with("http://") &&
      !c.public_base_url.starts_with("https://")) {
    problems.push_back("--public-base-url must start with http:// or https://");
  }
  if (!c.url_signing_secret.empty() && c.url_signing_secret.size() < 32) {
    problems.push_back("--url-signing-secret must be at least 32 bytes long");
  }
  c.cors_origin_list.clear();
  for (size_t pos = 0; pos <= c.cors_origins.size();) {
    size_t end = c.cors_origins.find(',', pos);
    if (end == std::string::npos) end = c.cors_origins.size();
    std::string origin = c.cors_origins.substr(pos, end - pos);
    while (!origin.empty() && origin.front() == ' ') origin.erase(0, 1);
    while (!origin.empty() && (origin.back() == ' ' || origin.back() == '/')) origin.pop_back();
    if (!origin.empty()) {
      if (!origin.starts_with("http://") && !origin.starts_with("https://")) {
        problems.push_back("--cors-origins entries must start with http:// or https://, got '" +
                           origin + "'");
      }
      c.cors_origin_list.push_back(std::move(origin));
    }
    pos = end + 1;
  }
  return problems;
}

}  // namespace filesd
