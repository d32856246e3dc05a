// HttpServer: HTTP/1.1 over Boost.Beast with keep-alive, several I/O threads, and two bounded pools
// of threads for store work (the I/O threads never wait long on a store: at most a bounded read by
// primary key): a small dispatch pool for short work and a larger one for request bodies, whose
// work may block for long.
//
// Per request: the header is read first (size-limited, timed), then Api::Begin() decides on the
// dispatch pool, or on the I/O thread itself for the short requests Api::Match() marks inline_ok
// (ServerOptions::inline_short_requests); a body is only read once a consumer accepted it
// (`Expect: 100-continue` is answered then), in buffers handed to the consumer on the body pool
// while the next buffer is read (reading pauses when the consumer falls behind, so memory per
// connection is fixed). Every read and write has a timeout, so a slow or stuck client cannot hold
// resources for ever.
//
// Shutdown drains: requests in flight (uploads included) run to completion and are answered, while
// every request that arrives after it began, on a new or a kept-alive connection, is refused by
// Api::Begin() (RequestHead::draining: 503 with Retry-After and Connection: close, /healthz still
// 200, /readyz 503); idle keep-alive connections are closed. Run() returns as soon as the last
// request in flight has ended, or when the grace period (ServerOptions::shutdown_grace) is over or
// StopNow() is called: requests still running then are cut (connection closed), each with an
// access-log line (status 503, or the status of the response being sent, and error "cut by
// shutdown: ...") and a warning. One log line marks the start of the drain and one its end.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api.h"
#include "api/metrics.h"
#include "base/status.h"
#include "net/access_log.h"

namespace filesd {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                         // 0: any free port (see HttpServer::port())
  unsigned io_threads = 2;
  // Threads that decide a request from its header (Api::Begin: authentication, routing, short
  // metadata reads and writes) and read response bodies from storage. Few, so that the many short
  // requests do not wake many threads: on 2 cores, 2 threads serve twice the GETs 8 do.
  unsigned dispatch_threads = 2;
  // Whether a request whose decision is short and bounded (MatchedRequest::inline_ok: e.g. GET
  // /v1/files/{id}) is decided on its I/O thread rather than on the dispatch pool. On 2 cores this
  // saves the two thread hops (and wake-ups) that otherwise cost more than the work itself.
  bool inline_short_requests = true;
  // Threads that consume request bodies (Api consumers' OnData/OnEnd/OnAbort), which may block
  // for long: disk writes, fsync, a file's analysis (up to --process-timeout).
  unsigned pool_threads = 8;
  size_t max_header_bytes = 16 * 1024;
  size_t body_buffer_bytes = 512 * 1024;        // two per uploading connection
  std::chrono::seconds read_timeout{60};        // a header or body read that makes no progress
  std::chrono::seconds idle_timeout{75};        // keep-alive wait for the next request
  std::chrono::seconds write_timeout{60};       // a write the client does not take
  std::chrono::seconds shutdown_grace{30};      // in-flight requests get this long on shutdown
  size_t max_connections = 4096;
};

class HttpServer {
 public:
  HttpServer(Api& api, Metrics& metrics, AccessLog& log, ServerOptions options);
  ~HttpServer();

  // Binds and listens. kUnavailable with the reason if the address cannot be bound.
  Status Listen();
  // The bound port (after Listen()).
  uint16_t port() const { return bound_port_; }
  // Runs the I/O threads until shutdown completes. Blocks.
  void Run();
  // Starts the drain (see above); `cause` starts its log line ("SIGTERM"). Thread-safe; a second
  // call does nothing.
  void Shutdown(std::string cause);
  // Ends the drain now, or shuts down without one: requests in flight are cut. Thread-safe.
  void StopNow(std::string cause);
  // The pool for long blocking work (also used by the janitor).
  boost::asio::thread_pool& blocking_pool() { return pool_; }
  boost::asio::io_context& io_context() { return ioc_; }

  // Internal: what the server shares with its connections (net/http_session.h).
  struct Shared;

 private:
  void Accept();
  // Marks the server stopping; false if it already was. On the acceptor's strand.
  bool BeginStopping();
  // Ends the drain (once): stops accepting, cuts what still runs, logs, stops the I/O context.
  // `reason`: why it ends now. On the acceptor's strand.
  void EndDrain(std::string reason);

  ServerOptions options_;
  boost::asio::io_context ioc_;
  boost::asio::thread_pool dispatch_pool_;
  boost::asio::thread_pool pool_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<Shared> shared_;
  uint16_t bound_port_ = 0;
  // Drain state, touched on the acceptor's strand only.
  std::chrono::steady_clock::time_point drain_start_;
  std::unique_ptr<boost::asio::steady_timer> grace_timer_;
  bool drain_over_ = false;
};

}  // namespace filesd
