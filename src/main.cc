// Composition root: the only place that names concrete stores. Wires one server instance from its
// configuration and runs it; the command line is cli/dispatch.h's, the background work
// lifecycle/maintenance.h's, and the coordination with other instances src/coord's.
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>

#include "analysis/isolated_analyzer.h"
#include "api/api.h"
#include "api/metrics.h"
#include "base/clock.h"
#include "blob/local_blob_store.h"
#include "cli/data_dir.h"
#include "cli/dispatch.h"
#include "cli/exit_status.h"
#include "cli/first_key.h"
#include "config/config.h"
#include "coord/instance_lease.h"
#include "coord/instance_liveness.h"
#include "coord/named_lease.h"
#include "lifecycle/janitor.h"
#include "lifecycle/janitor_turn.h"
#include "lifecycle/maintenance.h"
#include "lifecycle/shutdown_signals.h"
#include "meta/api_keys.h"
#include "net/access_log.h"
#include "net/http_server.h"
#include "upload/file_uploads.h"
#include "upload/hmac_url_signer.h"
#include "upload/presigned_uploads.h"
#include "upload/sessions.h"
#include "upload/url_signing_secret.h"

namespace filesd {
namespace {

// filesd-worker from --worker-path, else in the directory of the running filesd executable.
Result<std::string> WorkerPath(const ServeConfig& config) {
  std::string path = config.worker_path;
  if (path.empty()) {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return Unavailable("cannot find the filesd executable: " + ec.message());
    path = (self.parent_path() / "filesd-worker").string();
  }
  if (::access(path.c_str(), X_OK) != 0) {
    return Unavailable("the file-analysis worker " + path +
                       " is not an executable; build filesd-worker or pass --worker-path");
  }
  return path;
}

IsolatedAnalyzerOptions AnalyzerOptions(const ServeConfig& config, std::string worker_path,
                                        LocalBlobStore& blobs, const InstanceLease& instance,
                                        InstanceLiveness& liveness) {
  IsolatedAnalyzerOptions o;
  o.worker_path = std::move(worker_path);
  o.limits.max_seconds = config.process_timeout_seconds;
  o.limits.max_memory_bytes = config.process_memory_bytes;
  o.limits.max_pixels = config.max_image_pixels;
  o.limits.max_ocr_pages = config.max_ocr_pages;
  o.limits.max_json_depth = config.max_json_depth;
  o.limits.max_decompressed_bytes = config.max_decompressed_bytes;
  o.limits.max_text_bytes = config.max_text_bytes;
  o.local_path = [&blobs](const std::string& key) { return blobs.LocalPath(key); };
  o.instance_id = instance.id();
  o.liveness = &liveness;
  return o;
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

ApiOptions ApiOptionsFor(const ServeConfig& config) {
  ApiOptions o;
  o.max_file_bytes = config.max_file_bytes;
  o.public_base_url = PublicBaseUrl(config);
  o.upload_url_ttl_seconds = config.upload_url_ttl_seconds;
  o.session_ttl_seconds = config.session_ttl_seconds;
  o.cors_origins = config.cors_origin_list;
  return o;
}

ServerOptions ServerOptionsFor(const ServeConfig& config) {
  ServerOptions o;
  o.host = config.host;
  o.port = config.port;
  o.io_threads = config.io_threads;
  o.dispatch_threads = config.dispatch_threads;
  o.inline_short_requests = config.inline_short_requests;
  o.pool_threads = config.pool_threads;
  o.max_header_bytes = config.max_header_bytes;
  o.read_timeout = std::chrono::seconds(config.read_timeout_seconds);
  o.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
  o.write_timeout = std::chrono::seconds(config.write_timeout_seconds);
  o.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
  return o;
}

JanitorOptions JanitorOptionsFor(const ServeConfig& config) {
  JanitorOptions o;
  o.deleted_retention_seconds = config.deleted_retention_seconds;
  o.orphan_grace_seconds = config.orphan_grace_seconds;
  o.pending_grace_seconds = config.pending_grace_seconds;
  return o;
}

int RunServe(ServeConfig config) {
  // Diagnostics go to stderr; stdout carries only the access log.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("filesd"));
  SystemClock clock;

  auto meta = OpenMetadata(config.data_dir);
  if (!meta.ok()) return Fail(meta.status());
  // The local store admits one server process per data directory (its own rule); the SQLite
  // database lives in that directory, so every other instance it records is gone.
  auto blobs = LocalBlobStore::OpenExclusive(config.data_dir);
  if (!blobs.ok()) return Fail(blobs.status());
  auto instance = InstanceLease::Start(**meta, clock, {.sole_instance = true});
  if (!instance.ok()) return Fail(instance.status());
  StoreInstanceLiveness liveness(**meta, clock);

  auto secret =
      ResolveUrlSigningSecret(config.url_signing_secret, config.data_dir, **meta, clock);
  if (!secret.ok()) return Fail(secret.status());
  auto signer = HmacUrlSigner::Create(std::move(*secret));
  if (!signer.ok()) return Fail(signer.status());
  auto worker_path = WorkerPath(config);
  if (!worker_path.ok()) return Fail(worker_path.status());

  // Keys seen recently authenticate without a store read; every revocation through the store
  // (this process or `filesd keys revoke`) bumps the revision the cache watches (meta/auth_cache.h).
  AuthCache auth_cache(clock, &(*meta)->auth_revision(),
                       AuthCacheOptions{.ttl_seconds = config.auth_cache_ttl_seconds});
  Authenticator auth(**meta, clock, &auth_cache);
  Metrics metrics;
  IsolatedAnalyzer analyzer(
      **blobs, **meta, clock, &metrics,
      AnalyzerOptions(config, std::move(*worker_path), **blobs, **instance, liveness));
  Services services;
  services.blobs = blobs->get();
  services.meta = meta->get();
  services.auth = &auth;
  services.clock = &clock;
  services.metrics = &metrics;
  services.analyzer = &analyzer;
  services.url_signer = signer->get();
  services.options = ApiOptionsFor(config);
  services.instance_id = (*instance)->id();
  services.liveness = &liveness;
  FileUploads file_uploads(services.upload_deps());
  PresignedUploads presigned(services.upload_deps());
  services.file_uploads = &file_uploads;
  services.presigned = &presigned;
  Sessions sessions(services.upload_deps());
  services.sessions = &sessions;
  Api api(services);
  AccessLog log(config.access_log);
  HttpServer server(api, metrics, log, ServerOptionsFor(config));
  if (Status s = server.Listen(); !s.ok()) return Fail(s);
  if (Status s = CreateFirstKeyIfNone(**meta, clock, config, server.port()); !s.ok()) {
    return Fail(s);
  }

  // What an earlier process left half-written is removed before serving: under the local store's
  // rule nobody else can be writing it.
  if (auto removed = (*blobs)->RemoveAbandonedWrites(); !removed.ok()) {
    spdlog::warn("startup cleanup: {}", removed.status().ToString());
  }
  Janitor janitor(**blobs, **meta, clock, JanitorOptionsFor(config));
  NamedLease janitor_lease(**meta, clock, kJanitorLeaseName, (*instance)->id(),
                           std::max<int64_t>(60, 2 * config.janitor_interval_seconds));
  Maintenance maintenance(server.io_context(), server.blocking_pool(), **instance, janitor_lease,
                          janitor, analyzer, std::chrono::seconds(config.janitor_interval_seconds),
                          [&server] { server.Shutdown("liveness lease lapsed"); });
  maintenance.Start();
  // A client that leaves while its download is sent by sendfile(2), which has no MSG_NOSIGNAL,
  // must cost that request an EPIPE, not the process its life. (Analyses are spawned with every
  // signal back to its default: process/isolated_runner.cc.)
  std::signal(SIGPIPE, SIG_IGN);
  ShutdownSignals signals(
      server.io_context(),
      [&](const std::string& name) {
        maintenance.StopWork();
        server.Shutdown(name + " (a second signal stops at once)");
      },
      [&](const std::string& name) {
        spdlog::warn("second signal ({}): stopping now", name);
        server.StopNow("second signal");
      });

  spdlog::info("filesd listening on {}:{} (data dir {})", config.host, server.port(),
               config.data_dir);
  server.Run();
  signals.Disarm();
  maintenance.StopLiveness();
  // Background work still running (an analysis, a janitor pass) ends before what it uses goes.
  server.blocking_pool().join();
  // A clean stop: others may take over what this instance still owned at once.
  if (Status s = (*instance)->End(); !s.ok()) {
    spdlog::warn("could not end this instance's liveness lease: {}", s.ToString());
  }
  log.Flush();  // every request's line is out before the process says it stopped
  spdlog::info("filesd stopped");
  return 0;
}

}  // namespace
}  // namespace filesd

int main(int argc, char** argv) { return filesd::RunCommandLine(argc, argv, filesd::RunServe); }
