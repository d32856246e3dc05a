// Composition root: the only place that names concrete stores. Parses the command line, wires the
// services, and runs the server or one of the operator's commands (src/cli).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>

#include "api/analyzer.h"
#include "api/api.h"
#include "api/isolated_analyzer.h"
#include "api/metrics.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "blob/local_blob_store.h"
#include "cli/data_dir.h"
#include "cli/exit_status.h"
#include "cli/first_key.h"
#include "cli/keys_command.h"
#include "cli/projects_command.h"
#include "config/config.h"
#include "lifecycle/janitor.h"
#include "meta/api_keys.h"
#include "meta/sqlite_metadata_store.h"
#include "net/access_log.h"
#include "net/http_server.h"
#include "upload/file_uploads.h"
#include "upload/hmac_url_signer.h"
#include "upload/presigned_uploads.h"
#include "upload/signing_secret.h"

namespace filesd {
namespace {

// Holds an exclusive lock on the data directory for the life of the process, so that only one
// server uses it at a time: what a server owns (its Idempotency-Key claims, its temporary files)
// may then be reclaimed by the next one. The CLI commands do not take it.
Status LockDataDirForServing(const std::string& dir) {
  const std::string path = dir + "/serve.lock";
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Unavailable("another filesd server is already serving data directory " + dir);
    }
    return Unavailable("cannot lock " + path + ": " + std::strerror(err));
  }
  return Status::Ok();  // the descriptor stays open, and locked, until the process exits
}

// filesd-worker in the directory of the running filesd executable.
Result<std::string> DefaultWorkerPath() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return Unavailable("cannot find the filesd executable: " + ec.message());
  return (self.parent_path() / "filesd-worker").string();
}

// The URL signing key: --url-signing-secret, or the one kept in <data-dir>/secret.
Result<std::unique_ptr<HmacUrlSigner>> NewUrlSigner(const ServeConfig& config) {
  std::string secret = config.url_signing_secret;
  if (secret.empty()) {
    FILESD_ASSIGN_OR_RETURN(secret, LoadOrCreateSigningSecret(config.data_dir));
  }
  return HmacUrlSigner::Create(std::move(secret));
}

// What signed upload URLs start with: --public-base-url, else the listen address (with port 0 the
// port is not known yet, and the handler uses the request's Host instead).
std::string PublicBaseUrl(const ServeConfig& config) {
  if (!config.public_base_url.empty()) return config.public_base_url;
  if (config.port == 0) return "";
  const std::string host = config.host.find(':') != std::string::npos ? "[" + config.host + "]"
                                                                      : config.host;
  return "http://" + host + ":" + std::to_string(config.port);
}

// Runs the janitor every interval on the blocking pool, until cancelled.
class JanitorLoop {
 public:
  JanitorLoop(HttpServer& server, Janitor& janitor, std::chrono::seconds interval)
      : server_(server), janitor_(janitor), timer_(server.io_context()), interval_(interval) {}
  void Start() { Arm(); }
  void Stop() {
    boost::asio::post(timer_.get_executor(), [this] {
      stopped_ = true;
      timer_.cancel();
    });
  }

 private:
  void Arm() {
    timer_.expires_after(interval_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped_) return;
      boost::asio::post(server_.blocking_pool(), [this] {
        auto report = janitor_.RunOnce();
        if (!report.ok()) {
          spdlog::warn("janitor: {}", report.status().ToString());
        } else if (report->files_purged + report->orphan_blobs_removed +
                       report->temp_files_removed > 0) {
          spdlog::info("janitor: purged {} files, {} orphan blobs, {} temp files",
                       report->files_purged, report->orphan_blobs_removed,
                       report->temp_files_removed);
        }
        boost::asio::post(timer_.get_executor(), [this] {
          if (!stopped_) Arm();
        });
      });
    });
  }

  HttpServer& server_;
  Janitor& janitor_;
  boost::asio::steady_timer timer_;
  std::chrono::seconds interval_;
  bool stopped_ = false;  // touched on the I/O context only
};

int RunServe(ServeConfig config) {
  std::vector<std::string> problems = Validate(config);
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "filesd: %s\n", p.c_str());
    return 2;
  }
  // Diagnostics go to stderr; stdout carries only the access log.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("filesd"));

  auto meta = OpenMetadata(config.data_dir);
  if (!meta.ok()) return Fail(meta.status());
  if (Status locked = LockDataDirForServing(config.data_dir); !locked.ok()) return Fail(locked);
  auto blobs = LocalBlobStore::Open(config.data_dir);
  if (!blobs.ok()) return Fail(blobs.status());

  auto signer = NewUrlSigner(config);
  if (!signer.ok()) return Fail(signer.status());
  std::string worker_path = config.worker_path;
  if (worker_path.empty()) {
    auto found = DefaultWorkerPath();
    if (!found.ok()) return Fail(found.status());
    worker_path = std::move(found).value();
  }
  if (::access(worker_path.c_str(), X_OK) != 0) {
    return Fail(Unavailable("the file-analysis worker " + worker_path +
                            " is not an executable; build filesd-worker or pass --worker-path"));
  }

  SystemClock clock;
  Authenticator auth(**meta, clock);
  Metrics metrics;
  IsolatedAnalyzerOptions analyzer_options;
  analyzer_options.worker_path = worker_path;
  analyzer_options.limits.max_seconds = config.process_timeout_seconds;
  analyzer_options.limits.max_memory_bytes = config.process_memory_bytes;
  analyzer_options.limits.max_pixels = config.max_image_pixels;
  analyzer_options.limits.max_ocr_pages = config.max_ocr_pages;
  analyzer_options.limits.max_json_depth = config.max_json_depth;
  analyzer_options.limits.max_decompressed_bytes = config.max_decompressed_bytes;
  analyzer_options.limits.max_text_bytes = config.max_text_bytes;
  LocalBlobStore* local_blobs = blobs->get();
  analyzer_options.local_path = [local_blobs](const std::string& key) {
    return local_blobs->LocalPath(key);
  };
  IsolatedAnalyzer analyzer(**blobs, **meta, clock, &metrics, std::move(analyzer_options));
  Services services;
  services.blobs = blobs->get();
  services.meta = meta->get();
  services.auth = &auth;
  services.clock = &clock;
  services.metrics = &metrics;
  services.analyzer = &analyzer;
  services.url_signer = signer->get();
  services.instance_id = NewUuidV4();
  services.options.max_file_bytes = config.max_file_bytes;
  services.options.public_base_url = PublicBaseUrl(config);
  services.options.upload_url_ttl_seconds = config.upload_url_ttl_seconds;
  services.options.session_ttl_seconds = config.session_ttl_seconds;
  services.options.cors_origins = config.cors_origin_list;
  FileUploads file_uploads(services.upload_deps());
  PresignedUploads presigned(services.upload_deps());
  services.file_uploads = &file_uploads;
  services.presigned = &presigned;
  Api api(services);

  ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.io_threads = config.io_threads;
  options.dispatch_threads = config.dispatch_threads;
  options.pool_threads = config.pool_threads;
  options.max_header_bytes = config.max_header_bytes;
  options.read_timeout = std::chrono::seconds(config.read_timeout_seconds);
  options.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
  options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
  AccessLog log(config.access_log);
  HttpServer server(api, metrics, log, options);
  if (Status s = server.Listen(); !s.ok()) return Fail(s);
  if (Status s = CreateFirstKeyIfNone(**meta, clock, config, server.port()); !s.ok()) {
    return Fail(s);
  }

  // Whatever a previous process left half-written is removed before serving.
  if (auto removed = (*blobs)->RemoveAbandonedWrites(); !removed.ok()) {
    spdlog::warn("startup cleanup: {}", removed.status().ToString());
  }
  JanitorOptions janitor_options;
  janitor_options.deleted_retention_seconds = config.deleted_retention_seconds;
  janitor_options.orphan_grace_seconds = config.orphan_grace_seconds;
  janitor_options.pending_grace_seconds = config.pending_grace_seconds;
  Janitor janitor(**blobs, **meta, clock, janitor_options);
  JanitorLoop janitor_loop(server, janitor, std::chrono::seconds(config.janitor_interval_seconds));
  janitor_loop.Start();
  // Analyses a previous process left unfinished (it died during them) are run again, in the
  // background: this process holds the data directory alone, so none of them is still running.
  // They are at most the few that were in flight.
  boost::asio::post(server.blocking_pool(), [&analyzer] {
    auto resumed = analyzer.ResumeInterrupted();
    if (!resumed.ok()) {
      spdlog::warn("resuming interrupted analyses: {}", resumed.status().ToString());
    } else if (*resumed > 0) {
      spdlog::info("resumed {} analyses interrupted by the previous process", *resumed);
    }
  });

  // The first SIGINT/SIGTERM starts the drain (net/http_server.h); a second one during the drain
  // ends it at once, cutting what still runs, as Ctrl-C twice in a terminal means. Either way the
  // process exits cleanly (status 0, logs flushed); signals after the second, or after the server
  // stopped, are ignored, so a supervisor repeating the signal cannot kill it mid-exit.
  boost::asio::signal_set signals(server.io_context(), SIGINT, SIGTERM);
  int signals_seen = 0;
  std::function<void(boost::system::error_code, int)> on_signal =
      [&](boost::system::error_code ec, int sig) {
        if (ec) return;
        const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
        if (++signals_seen == 1) {
          janitor_loop.Stop();
          server.Shutdown(name + " (a second signal stops at once)");
        } else if (signals_seen == 2) {
          spdlog::warn("second signal ({}): stopping now", name);
          server.StopNow("second signal");
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);

  spdlog::info("filesd listening on {}:{} (data dir {})", config.host, server.port(),
               config.data_dir);
  server.Run();
  // Clearing the signal set restores the default dispositions; ignore the signals again at once,
  // so one arriving while the process tears down cannot kill it mid-exit.
  boost::system::error_code ignored;
  signals.clear(ignored);
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  log.Flush();  // every request's line is out before the process says it stopped
  spdlog::info("filesd stopped");
  return 0;
}

}  // namespace
}  // namespace filesd

int main(int argc, char** argv) {
  auto parsed = filesd::ParseCommandLine(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  auto& cl = std::get<filesd::CommandLine>(parsed);
  if (auto* keys = std::get_if<filesd::KeysCommand>(&cl.command)) return filesd::RunKeys(*keys);
  if (auto* projects = std::get_if<filesd::ProjectsCommand>(&cl.command)) {
    return filesd::RunProjects(*projects);
  }
  return filesd::RunServe(std::get<filesd::ServeConfig>(cl.command));
}
