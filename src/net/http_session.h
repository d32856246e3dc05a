// The HTTP server's connections (HttpServer, http_server.h, owns the listener and the drain): what
// the server shares with every connection, and one connection's life, request after request.
//
// A Session serves one TCP connection: it reads a request header (size-limited, timed), has
// Api::Begin() decide on the dispatch pool, streams an accepted body to its consumer on the body
// pool through two buffers (reading pauses while the consumer is behind, so memory per connection
// is fixed), writes the response (a string; a body that is a plain local file, by sendfile; or a
// BodyStream read on the dispatch pool ahead of the socket), logs the request (access log and metrics, once) and then reads the next request or
// closes. Its parts live in http_session.cc (header, dispatch, logging, closing),
// http_session_body.cc (the body pipeline) and http_session_response.cc (writing responses).
//
// Threading: every member of a Session is touched only on the connection's strand, except where a
// lambda explicitly runs on a pool (and then only the consumer/stream it was given). Shared is
// guarded by its mutex as marked. Internal to src/net.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/api.h"
#include "api/metrics.h"
#include "base/status.h"
#include "net/access_log.h"
#include "net/http_server.h"

namespace filesd {

namespace net {
class Session;
}  // namespace net

// What the server shares with its connections: the request handling, the pools, and the drain's
// bookkeeping (which connections live, how many admitted requests still run).
struct HttpServer::Shared {
  Shared(Api& a, Metrics& m, AccessLog& l, const ServerOptions& o, boost::asio::thread_pool& d,
         boost::asio::thread_pool& p)
      : api(a), metrics(m), log(l), options(o), dispatch_pool(d), pool(p) {}
  Api& api;
  Metrics& metrics;
  AccessLog& log;
  const ServerOptions& options;
  boost::asio::thread_pool& dispatch_pool;  // Api::Begin and response body reads: short work
  boost::asio::thread_pool& pool;           // body consumers: may block for long
  std::atomic<bool> stopping{false};  // written under mu, once
  std::mutex mu;
  std::unordered_map<net::Session*, std::weak_ptr<net::Session>> sessions;  // guarded by mu
  size_t admitted = 0;  // requests begun before the drain and not ended yet; guarded by mu
  std::function<void()> drained;  // called when `admitted` reaches 0 while stopping

  // The connections alive now (the pointers keep them alive while the caller holds them).
  std::vector<std::shared_ptr<net::Session>> LiveSessions() {
    std::vector<std::shared_ptr<net::Session>> live;
    std::lock_guard lock(mu);
    for (auto& [ptr, weak] : sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    return live;
  }

  void SessionEnded(net::Session* s) {
    std::lock_guard lock(mu);
    sessions.erase(s);
  }

  // Whether a request whose header just arrived is served (true) or refused by the drain.
  bool Admit() {
    std::lock_guard lock(mu);
    if (stopping) return false;
    ++admitted;
    return true;
  }

  void AdmittedEnded() {
    bool last;
    {
      std::lock_guard lock(mu);
      --admitted;
      last = stopping && admitted == 0;
    }
    if (last) drained();
  }
};

namespace net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// One connection (see the file comment).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared);
  ~Session();
  // Starts serving the connection: reads its first request.
  void Start();
  // Called when the drain starts: a kept-alive connection waiting for its next request, of which
  // no byte has come, closes now. (A new connection may still bring a request, to be refused.)
  void CloseIfIdle();
  // Called when the drain ends: a request still running is cut, and logged as such; the
  // connection closes. `done(cut)` follows, on this connection's strand.
  void CutByShutdown(std::string reason, std::function<void(bool)> done);

 private:
  // ---- request header and dispatch (http_session.cc) ----
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void OnDispatch(Dispatch d);

  // ---- request body pipeline (http_session_body.cc) ----
  // Two buffers: the consumer works on one (on the pool) while the socket fills the other.
  void StartBody();
  void ReadBody();
  void OnBodyRead(beast::error_code ec, size_t got);
  // Gives the filled buffer to the consumer and switches filling to the other one.
  void HandOff();
  void OnConsumed(Status s);
  void FinishBody();
  // Ends the body early. `status` OK means the client is gone: no response, just close.
  // Waits until neither a read nor the consumer is in flight, then aborts the consumer.
  void FailBody(Status status, std::string note);

  // ---- response (http_session_response.cc) ----
  void WriteResponse(Response r, bool body_unread);
  // A body that is a plain local file: the header, then the file's bytes by sendfile(2).
  void SendFileBody(Response r, FileRegion region);
  // Any other body: the header, then pieces read on the dispatch pool into one of two buffers
  // while the other is written (StreamPipe).
  void StreamBody(Response r);
  void ReadStreamPiece();
  void OnStreamPieceRead(size_t i, const Result<size_t>& n);
  void WriteStreamPiece();
  void OnStreamPieceWritten(beast::error_code ec, size_t n);
  // Once neither a read nor a write of the stream is in flight.
  void EndStream();
  void OnWritten(beast::error_code ec);

  // ---- end of a request, end of the connection (http_session.cc) ----
  double SecondsSinceStart() const;
  // Ends the current request: its access-log line and metrics. Once per request (a request cut by
  // shutdown is logged then, and its connection's later completions log nothing).
  void LogRequest(unsigned status);
  // After refusing a request whose body was not read: stop sending, then read and discard what
  // the client still sends for a short while, so that it sees our response instead of a reset.
  void LingeringClose();
  void Linger();
  void Close();

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::Shared> shared_;
  const ServerOptions& opts_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::string remote_;
  bool idle_ = false;
  bool first_request_ = true;
  bool in_request_ = false;  // a request began and is not logged yet
  bool admitted_ = false;    // it began before the drain: the drain waits for it

  // Current request.
  RequestHead head_;
  std::string route_;
  std::string project_id_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point upload_start_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  unsigned status_ = 0;
  std::string error_note_;
  bool keep_alive_ = false;
  bool body_unread_ = false;

  // Body pipeline.
  std::unique_ptr<BodyConsumer> consumer_;
  std::optional<http::response<http::empty_body>> continue_;
  std::array<std::vector<char>, 2> bufs_;
  size_t fill_idx_ = 0;
  size_t fill_len_ = 0;
  uint64_t body_bytes_ = 0;
  uint64_t max_body_bytes_ = 0;
  bool read_in_flight_ = false;
  bool consumer_busy_ = false;
  bool ready_waiting_ = false;
  bool body_done_ = false;
  bool aborting_ = false;
  std::optional<Status> failed_;
  std::optional<uint64_t> raw_remaining_;  // set while a Content-Length body is read directly

  // Response.
  std::optional<http::response<http::string_body>> string_res_;
  std::optional<http::response<http::empty_body>> empty_res_;
  std::optional<http::response<http::buffer_body>> stream_res_;
  std::optional<http::response_serializer<http::buffer_body>> stream_sr_;
  std::unique_ptr<BodyStream> body_stream_;
  // A streamed body's two buffers: the pool fills bufs[fill] while bufs[send] is written; a
  // buffer holding ready[i] > 0 bytes waits to be written. The pool touches only the buffer it
  // fills (and body_stream_), so nothing is freed while `reading`.
  struct StreamPipe {
    std::array<std::unique_ptr<char[]>, 2> bufs;
    size_t buf_bytes = 0;
    std::array<size_t, 2> ready{};
    size_t fill = 0;
    size_t send = 0;
    uint64_t unread = 0;  // not yet asked of body_stream_
    uint64_t unsent = 0;  // not yet handed to the serializer
    bool reading = false;
    bool writing = false;
    std::optional<beast::error_code> end;  // why the stream ends early
  };
  StreamPipe pipe_;
  std::vector<char> out_buf_;  // lingering reads
  std::chrono::steady_clock::time_point linger_deadline_;
  uint64_t linger_bytes_ = 0;
};

}  // namespace net
}  // namespace filesd
