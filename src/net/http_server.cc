#include "net/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "base/redact.h"

namespace filesd {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class Session;

struct HttpServer::Shared {
  Shared(Api& a, Metrics& m, AccessLog& l, const ServerOptions& o, asio::thread_pool& d,
         asio::thread_pool& p)
      : api(a), metrics(m), log(l), options(o), dispatch_pool(d), pool(p) {}
  Api& api;
  Metrics& metrics;
  AccessLog& log;
  const ServerOptions& options;
  asio::thread_pool& dispatch_pool;  // Api::Begin and response body reads: short work
  asio::thread_pool& pool;           // body consumers: may block for long
  std::atomic<bool> stopping{false};  // written under mu, once
  std::mutex mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mu
  size_t admitted = 0;  // requests begun before the drain and not ended yet; guarded by mu
  std::function<void()> drained;  // called when `admitted` reaches 0 while stopping

  void SessionEnded(Session* s) {
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

namespace {

constexpr size_t kLingerMaxBytes = 64ull << 20;
constexpr size_t kSocketReadBytes = 64 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);

}  // namespace

// One connection. All members are touched only on the connection's strand, except where a
// lambda explicitly runs on the blocking pool (and then only the consumer/stream it was given).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)), opts_(shared_->options) {}

  void Start() {
    // Beast sizes each socket read by the buffer's spare capacity (at most 64 KiB); without this a
    // body arrives in reads of a few hundred bytes.
    buffer_.reserve(kSocketReadBytes);
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Called when the drain starts: a kept-alive connection waiting for its next request, of which
  // no byte has come, closes now. (A new connection may still bring a request, to be refused.)
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_ && !self->first_request_ && self->buffer_.size() == 0) {
        self->stream_.cancel();
      }
    });
  }

  // Called when the drain ends: a request still running is cut, and logged as such; the
  // connection closes. `done(cut)` follows, on this connection's strand.
  void CutByShutdown(std::string reason, std::function<void(bool)> done) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), reason = std::move(reason),
                                         done = std::move(done)] {
      const bool cut = self->in_request_;
      if (cut) {
        const bool answering = self->status_ != 0;
        spdlog::warn("request {} ({} {}) cut by shutdown after {:.3f} s: {}; {}",
                     self->head_.request_id, self->head_.header.method_string(),
                     RedactUrlSecrets(self->head_.header.target()), self->SecondsSinceStart(),
                     reason,
                     answering ? "its response was being sent" : "it was not answered");
        self->error_note_ = "cut by shutdown: " + reason;
        self->LogRequest(answering ? self->status_ : 503);
      }
      self->Close();
      done(cut);
    });
  }

 private:
  // ---------------- request header ----------------
  void ReadHeader() {
    if (shared_->stopping && !first_request_) return Close();  // no new request on a kept-alive one
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(opts_.max_header_bytes));
    parser_->body_limit(boost::none);  // limits are enforced per route as the body streams
    idle_ = true;
    stream_.expires_after(first_request_ ? opts_.read_timeout : opts_.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    first_request_ = false;
    start_ = std::chrono::steady_clock::now();
    bytes_in_ = 0;
    bytes_out_ = 0;
    error_note_.clear();
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted) {
      return Close();
    }
    head_ = RequestHead{};
    head_.request_id = HexEncode(RandomBytes(8));
    head_.remote_addr = remote_;
    status_ = 0;
    route_ = "unrouted";  // until Api::Begin() names it
    project_id_.clear();
    in_request_ = true;
    admitted_ = shared_->Admit();
    head_.draining = !admitted_;
    if (ec == http::error::header_limit) {
      route_ = "rejected";
      Response r = shared_->api.RejectFromNetwork(
          "", Status(StatusCode::kInvalidArgument, "request header is too large",
                     "header_too_large"));
      r.header.result(http::status::request_header_fields_too_large);
      r.close = true;
      return WriteResponse(std::move(r), /*body_unread=*/true);
    }
    if (ec) {
      route_ = "rejected";
      Response r = shared_->api.RejectFromNetwork(
          "", InvalidArgument("malformed HTTP request: " + ec.message(), "bad_http"));
      r.close = true;
      return WriteResponse(std::move(r), /*body_unread=*/true);
    }
    head_.header = parser_->get().base();
    head_.has_body = !parser_->is_done();
    if (auto len = parser_->content_length()) head_.content_length = *len;
    // Decide on the dispatch pool: authentication and routing may touch the metadata store.
    asio::post(shared_->dispatch_pool, [self = shared_from_this()] {
      Dispatch d = self->shared_->api.Begin(self->head_);
      asio::post(self->stream_.get_executor(),
                 [self, d = std::make_shared<Dispatch>(std::move(d))]() mutable {
                   self->OnDispatch(std::move(*d));
                 });
    });
  }

  void OnDispatch(Dispatch d) {
    route_ = std::move(d.route);
    project_id_ = std::move(d.project_id);
    if (d.response) {
      // Answered from the header alone: any body is left unread, so the connection must close.
      return WriteResponse(std::move(*d.response), /*body_unread=*/head_.has_body);
    }
    consumer_ = std::move(d.consumer);
    max_body_bytes_ = d.max_body_bytes;
    body_bytes_ = 0;
    upload_start_ = std::chrono::steady_clock::now();
    if (!head_.has_body) return FinishBody();
    auto expect = head_.header.find(http::field::expect);
    if (expect != head_.header.end() && beast::iequals(expect->value(), "100-continue")) {
      continue_.emplace(http::status::continue_, head_.header.version());
      stream_.expires_after(opts_.write_timeout);
      http::async_write(stream_, *continue_,
                        [self = shared_from_this()](beast::error_code wec, size_t) {
                          if (wec) return self->FailBody(Status(), "client gone: " + wec.message());
                          self->StartBody();
                        });
      return;
    }
    StartBody();
  }

  // ---------------- request body pipeline ----------------
  // Two buffers: the consumer works on one (on the pool) while the socket fills the other.
  void StartBody() {
    for (auto& b : bufs_) {
      if (b.size() != opts_.body_buffer_bytes) b.resize(opts_.body_buffer_bytes);
    }
    fill_idx_ = 0;
    fill_len_ = 0;
    ready_waiting_ = false;
    body_done_ = false;
    consumer_busy_ = false;
    failed_.reset();
    raw_remaining_.reset();
    if (!parser_->chunked() && head_.content_length) raw_remaining_ = *head_.content_length;
    ReadBody();
  }

  void ReadBody() {
    auto& buf = bufs_[fill_idx_];
    read_in_flight_ = true;
    stream_.expires_after(opts_.read_timeout);
    if (raw_remaining_) {
      // Content-Length body: read the socket straight into the pipeline buffer, in large reads,
      // after the bytes that arrived together with the header.
      const size_t want =
          static_cast<size_t>(std::min<uint64_t>(buf.size() - fill_len_, *raw_remaining_));
      if (buffer_.size() > 0) {
        const size_t n = asio::buffer_copy(asio::buffer(buf.data() + fill_len_, want),
                                           buffer_.data());
        buffer_.consume(n);
        asio::post(stream_.get_executor(),
                   [self = shared_from_this(), n] { self->OnBodyRead({}, n); });
        return;
      }
      stream_.async_read_some(asio::buffer(buf.data() + fill_len_, want),
                              [self = shared_from_this()](beast::error_code ec, size_t n) {
                                self->OnBodyRead(ec, n);
                              });
      return;
    }
    auto& body = parser_->get().body();
    body.data = buf.data() + fill_len_;
    body.size = buf.size() - fill_len_;
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            const size_t room = self->bufs_[self->fill_idx_].size() -
                                                self->fill_len_;
                            self->OnBodyRead(ec, room - self->parser_->get().body().size);
                          });
  }

  void OnBodyRead(beast::error_code ec, size_t got) {
    read_in_flight_ = false;
    if (ec == http::error::need_buffer) ec = {};
    if (raw_remaining_) *raw_remaining_ -= got;
    fill_len_ += got;
    body_bytes_ += got;
    bytes_in_ += got;
    if (failed_) return FailBody(*failed_, error_note_);  // a cancel we asked for
    if (ec) {
      if (ec == beast::error::timeout) return FailBody(Status(), "client stalled: read timeout");
      if (ec == http::error::partial_message || ec == asio::error::eof ||
          ec == asio::error::connection_reset) {
        return FailBody(Status(), "client disconnected mid-body");
      }
      return FailBody(InvalidArgument("malformed request body framing: " + ec.message(),
                                      "bad_http"),
                      "bad body framing");
    }
    if (body_bytes_ > max_body_bytes_) {
      return FailBody(PayloadTooLarge("request body is larger than the limit of " +
                                          std::to_string(max_body_bytes_) + " bytes",
                                      "body_too_large"),
                      "body over limit");
    }
    body_done_ = raw_remaining_ ? *raw_remaining_ == 0 : parser_->is_done();
    const bool full = fill_len_ >= bufs_[fill_idx_].size() / 2;
    if (full || body_done_) {
      if (fill_len_ > 0) {
        if (consumer_busy_) {
          ready_waiting_ = true;  // backpressure: resume reading when the consumer is done
          return;
        }
        HandOff();
      }
      if (!body_done_) return ReadBody();
      if (!consumer_busy_) return FinishBody();
      return;
    }
    ReadBody();
  }

  // Gives the filled buffer to the consumer and switches filling to the other one.
  void HandOff() {
    const size_t idx = fill_idx_;
    const size_t len = fill_len_;
    fill_idx_ ^= 1;
    fill_len_ = 0;
    consumer_busy_ = true;
    asio::post(shared_->pool, [self = shared_from_this(), idx, len] {
      Status s = self->consumer_->OnData(std::string_view(self->bufs_[idx].data(), len));
      asio::post(self->stream_.get_executor(),
                 [self, s = std::move(s)]() mutable { self->OnConsumed(std::move(s)); });
    });
  }

  void OnConsumed(Status s) {
    consumer_busy_ = false;
    if (failed_) return FailBody(*failed_, error_note_);
    if (!s.ok()) return FailBody(std::move(s), "refused by handler");
    if (ready_waiting_) {
      ready_waiting_ = false;
      HandOff();
      if (!body_done_) return ReadBody();
      return;
    }
    if (body_done_ && !read_in_flight_) FinishBody();
  }

  void FinishBody() {
    asio::post(shared_->pool, [self = shared_from_this()] {
      Response r = self->consumer_->OnEnd();
      asio::post(self->stream_.get_executor(), [self, r = std::make_shared<Response>(std::move(r))] {
        self->shared_->metrics.ObserveUpload(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - self->upload_start_)
                .count());
        self->consumer_.reset();
        self->WriteResponse(std::move(*r), /*body_unread=*/false);
      });
    });
  }

  // Ends the body early. `status` OK means the client is gone: no response, just close.
  // Waits until neither a read nor the consumer is in flight, then aborts the consumer.
  void FailBody(Status status, std::string note) {
    if (!failed_) {
      failed_ = std::move(status);
      error_note_ = std::move(note);
    }
    if (read_in_flight_) {
      stream_.socket().cancel();
      return;  // OnBodyRead comes back here
    }
    if (consumer_busy_) return;  // OnConsumed comes back here
    if (aborting_) return;
    aborting_ = true;
    asio::post(shared_->pool, [self = shared_from_this()] {
      self->consumer_->OnAbort();
      asio::post(self->stream_.get_executor(), [self] {
        self->consumer_.reset();
        self->aborting_ = false;
        Status st = std::move(*self->failed_);
        self->failed_.reset();
        if (st.ok()) {
          self->LogRequest(499);
          return self->Close();
        }
        Response r = self->shared_->api.RejectFromNetwork(self->head_.header.target(), st);
        r.close = true;
        self->WriteResponse(std::move(r), /*body_unread=*/true);
      });
    });
  }

  // ---------------- response ----------------
  void WriteResponse(Response r, bool body_unread) {
    body_unread_ = body_unread;
    keep_alive_ = !r.close && !body_unread && !shared_->stopping && parser_ &&
                  parser_->get().keep_alive();
    status_ = static_cast<unsigned>(r.header.result_int());
    r.header.version(head_.header.version() == 10 ? 10 : 11);
    r.header.set("X-Request-Id", head_.request_id);
    shared_->api.FinishResponse(head_, r);
    if (!keep_alive_) {
      r.header.set(http::field::connection, "close");
    } else if (r.header.version() == 10) {
      r.header.set(http::field::connection, "keep-alive");
    }
    stream_.expires_after(opts_.write_timeout);
    const bool no_body_status = status_ == 304 || status_ == 204 || status_ < 200;

    if (r.stream && !r.head_only) {
      stream_res_.emplace(std::move(r.header));
      stream_res_->content_length(r.stream->size());
      stream_res_->body().data = nullptr;
      stream_res_->body().more = true;
      body_stream_ = std::move(r.stream);
      stream_remaining_ = body_stream_->size();
      stream_sr_.emplace(*stream_res_);
      http::async_write_header(stream_, *stream_sr_,
                               [self = shared_from_this()](beast::error_code ec, size_t) {
                                 if (ec) return self->OnWritten(ec);
                                 self->PumpStream();
                               });
      return;
    }
    if (r.head_only) {
      empty_res_.emplace(std::move(r.header));
      if (!no_body_status) empty_res_->content_length(r.stream ? r.stream->size() : r.body.size());
      http::async_write(stream_, *empty_res_,
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          self->OnWritten(ec);
                        });
      return;
    }
    string_res_.emplace(std::move(r.header));
    string_res_->body() = std::move(r.body);
    bytes_out_ = string_res_->body().size();
    if (!no_body_status) string_res_->prepare_payload();
    http::async_write(stream_, *string_res_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->OnWritten(ec);
                      });
  }

  // Reads the next piece of a streamed body on the pool, then writes it.
  void PumpStream() {
    if (stream_remaining_ == 0) {
      stream_res_->body().data = nullptr;
      stream_res_->body().size = 0;
      stream_res_->body().more = false;
      return WriteStreamPiece();
    }
    if (out_buf_.size() != opts_.body_buffer_bytes) out_buf_.resize(opts_.body_buffer_bytes);
    asio::post(shared_->dispatch_pool, [self = shared_from_this()] {
      auto n = self->body_stream_->Read(std::span<char>(self->out_buf_));
      asio::post(self->stream_.get_executor(), [self, n = std::move(n)]() mutable {
        if (!n.ok() || *n == 0) {
          spdlog::error("request {}: response body failed: {}", self->head_.request_id,
                        n.ok() ? "ended early" : n.status().ToString());
          self->error_note_ = "response body read failed";
          return self->OnWritten(asio::error::broken_pipe);
        }
        self->stream_remaining_ -= std::min<uint64_t>(*n, self->stream_remaining_);
        self->stream_res_->body().data = self->out_buf_.data();
        self->stream_res_->body().size = *n;
        self->stream_res_->body().more = self->stream_remaining_ > 0;
        self->bytes_out_ += *n;
        self->WriteStreamPiece();
      });
    });
  }

  void WriteStreamPiece() {
    stream_.expires_after(opts_.write_timeout);
    http::async_write(stream_, *stream_sr_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec == http::error::need_buffer) ec = {};
                        if (ec) return self->OnWritten(ec);
                        if (self->stream_sr_->is_done()) return self->OnWritten(ec);
                        self->PumpStream();
                      });
  }

  void OnWritten(beast::error_code ec) {
    if (ec && error_note_.empty()) error_note_ = "write failed: " + ec.message();
    LogRequest(status_);
    stream_sr_.reset();
    stream_res_.reset();
    body_stream_.reset();
    string_res_.reset();
    empty_res_.reset();
    if (ec) return Close();
    if (!keep_alive_) {
      if (body_unread_) return LingeringClose();
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return Close();
    }
    ReadHeader();
  }

  double SecondsSinceStart() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // Ends the current request: its access-log line and metrics. Once per request (a request cut by
  // shutdown is logged then, and its connection's later completions log nothing).
  void LogRequest(unsigned status) {
    if (!in_request_) return;
    in_request_ = false;
    const double seconds = SecondsSinceStart();
    const std::string_view method = head_.header.method_string();
    shared_->metrics.RecordRequest(route_, method, status, bytes_in_, bytes_out_, seconds);
    AccessLogEntry e;
    e.request_id = head_.request_id;
    e.method = method;
    e.target = head_.header.target();
    e.route = route_;
    e.project_id = project_id_;
    e.remote_addr = remote_;
    e.status = status;
    e.bytes_in = bytes_in_;
    e.bytes_out = bytes_out_;
    e.duration_ms = seconds * 1000;
    e.error = error_note_;
    shared_->log.Write(e);
    if (admitted_) {
      admitted_ = false;
      shared_->AdmittedEnded();
    }
  }

  // After refusing a request whose body was not read: stop sending, then read and discard what
  // the client still sends for a short while, so that it sees our response instead of a reset.
  void LingeringClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    linger_deadline_ = std::chrono::steady_clock::now() + kLingerTime;
    linger_bytes_ = 0;
    if (out_buf_.size() < 64 * 1024) out_buf_.resize(64 * 1024);
    Linger();
  }

  void Linger() {
    const auto now = std::chrono::steady_clock::now();
    if (now >= linger_deadline_ || linger_bytes_ > kLingerMaxBytes) return Close();
    stream_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        linger_deadline_ - now));
    stream_.async_read_some(asio::buffer(out_buf_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->linger_bytes_ += n;
                              self->Linger();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 public:
  ~Session() { shared_->SessionEnded(this); }

 private:
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
  uint64_t stream_remaining_ = 0;
  std::vector<char> out_buf_;
  std::chrono::steady_clock::time_point linger_deadline_;
  uint64_t linger_bytes_ = 0;
};

HttpServer::HttpServer(Api& api, Metrics& metrics, AccessLog& log, ServerOptions options)
    : options_(std::move(options)),
      ioc_(static_cast<int>(options_.io_threads)),
      dispatch_pool_(options_.dispatch_threads),
      pool_(options_.pool_threads),
      acceptor_(asio::make_strand(ioc_)) {
  shared_ = std::make_shared<Shared>(api, metrics, log, options_, dispatch_pool_, pool_);
  shared_->drained = [this] {
    asio::post(acceptor_.get_executor(), [this] { EndDrain("every request in flight ended"); });
  };
}

HttpServer::~HttpServer() {
  dispatch_pool_.join();
  pool_.join();
}

Status HttpServer::Listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return InvalidArgument("listen address is not an IP address: " + options_.host);
  tcp::endpoint ep(address, options_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                       ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint().port();
  Accept();
  return Status::Ok();
}

void HttpServer::Accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      std::shared_ptr<Session> session;
      {
        std::lock_guard lock(shared_->mu);
        // Accepting goes on while draining, so that new requests get a 503 rather than a refusal.
        if (shared_->sessions.size() < options_.max_connections) {
          session = std::make_shared<Session>(std::move(s), shared_);
          shared_->sessions[session.get()] = session;
        }
      }
      if (session) session->Start();  // otherwise `s` closes here: over the connection limit
    }
    Accept();
  });
}

void HttpServer::Run() {
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : threads) t.join();
}

bool HttpServer::BeginStopping() {
  std::lock_guard lock(shared_->mu);
  if (shared_->stopping) return false;
  shared_->stopping = true;
  drain_start_ = std::chrono::steady_clock::now();
  return true;
}

void HttpServer::Shutdown(std::string cause) {
  asio::post(acceptor_.get_executor(), [this, cause = std::move(cause)] {
    if (!BeginStopping()) return;
    size_t in_flight;
    {
      std::lock_guard lock(shared_->mu);
      in_flight = shared_->admitted;
    }
    const auto grace = options_.shutdown_grace.count();
    if (grace <= 0) {
      spdlog::info("{}: stopping at once (shutdown grace 0 s), {} request{} in flight", cause,
                   in_flight, in_flight == 1 ? "" : "s");
      return EndDrain("no shutdown grace");
    }
    spdlog::info("{}: draining {} request{} for up to {} s; new requests get 503", cause, in_flight,
                 in_flight == 1 ? "" : "s", grace);
    if (in_flight == 0) return EndDrain("no request was in flight");
    grace_timer_ = std::make_unique<asio::steady_timer>(acceptor_.get_executor(),
                                                        options_.shutdown_grace);
    grace_timer_->async_wait([this, grace](beast::error_code ec) {
      if (!ec) EndDrain("the shutdown grace of " + std::to_string(grace) + " s is over");
    });
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(shared_->mu);
      for (auto& [ptr, weak] : shared_->sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->CloseIfIdle();
  });
}

void HttpServer::StopNow(std::string cause) {
  asio::post(acceptor_.get_executor(), [this, cause = std::move(cause)] {
    BeginStopping();
    EndDrain(cause);
  });
}

void HttpServer::EndDrain(std::string reason) {
  if (drain_over_) return;
  drain_over_ = true;
  if (grace_timer_) grace_timer_->cancel();
  beast::error_code ignored;
  acceptor_.close(ignored);
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(shared_->mu);
    for (auto& [ptr, weak] : shared_->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  struct Cutting {
    std::atomic<size_t> remaining;
    std::atomic<size_t> cut{0};
  };
  auto cutting = std::make_shared<Cutting>();
  cutting->remaining = live.size();
  // Once every connection is closed (and every request cut has its log line), Run() returns.
  auto finish = [this, reason, cutting] {
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start_).count();
    const size_t cut = cutting->cut;
    if (cut == 0) {
      spdlog::info("shutdown: drain over after {:.3f} s ({}); every request was answered", took,
                   reason);
    } else {
      spdlog::warn("shutdown: drain over after {:.3f} s ({}); {} request{} cut", took, reason,
                   cut, cut == 1 ? "" : "s");
    }
    ioc_.stop();
  };
  if (live.empty()) return finish();
  for (auto& s : live) {
    s->CutByShutdown(reason, [cutting, finish](bool cut) {
      if (cut) ++cutting->cut;
      if (--cutting->remaining == 0) finish();
    });
  }
}

}  // namespace filesd
