// Session (http_session.h): its life, the request header and dispatch, the end of each request
// (access log, metrics, drain accounting), and closing the connection (lingering when a body was
// left unread).
#include "net/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "base/crypto.h"
#include "base/redact.h"

namespace filesd::net {
namespace {

constexpr size_t kLingerMaxBytes = 64ull << 20;
constexpr size_t kSocketReadBytes = 64 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);

}  // namespace

Session::Session(tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared)
    : stream_(std::move(socket)), shared_(std::move(shared)), opts_(shared_->options) {}

Session::~Session() { shared_->SessionEnded(this); }

void Session::Start() {
  // Beast sizes each socket read by the buffer's spare capacity (at most 64 KiB); without this a
  // body arrives in reads of a few hundred bytes.
  buffer_.reserve(kSocketReadBytes);
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  auto ep = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
}

void Session::CloseIfIdle() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->idle_ && !self->first_request_ && self->buffer_.size() == 0) {
      self->stream_.cancel();
    }
  });
}

void Session::CutByShutdown(std::string reason, std::function<void(bool)> done) {
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

void Session::ReadHeader() {
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

void Session::OnHeader(beast::error_code ec) {
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
  MatchedRequest matched = shared_->api.Match(head_);
  if (matched.inline_ok && opts_.inline_short_requests) {
    // Short and bounded (a cached key, a read by primary key): decided here, on this connection's
    // strand, which saves two thread hops per request.
    return OnDispatch(shared_->api.Begin(head_, std::move(matched)));
  }
  // Decide on the dispatch pool: authentication and routing may touch the metadata store.
  asio::post(shared_->dispatch_pool, [self = shared_from_this(), m = std::move(matched)]() mutable {
    Dispatch d = self->shared_->api.Begin(self->head_, std::move(m));
    asio::post(self->stream_.get_executor(),
               [self, d = std::make_shared<Dispatch>(std::move(d))]() mutable {
                 self->OnDispatch(std::move(*d));
               });
  });
}

void Session::OnDispatch(Dispatch d) {
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

double Session::SecondsSinceStart() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Session::LogRequest(unsigned status) {
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

void Session::LingeringClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  linger_deadline_ = std::chrono::steady_clock::now() + kLingerTime;
  linger_bytes_ = 0;
  if (out_buf_.size() < 64 * 1024) out_buf_.resize(64 * 1024);
  Linger();
}

void Session::Linger() {
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

void Session::Close() {
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

}  // namespace filesd::net
