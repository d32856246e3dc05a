// Session's responses (http_session.h): headers every response gets, a string body in one write,
// a HEAD answer, or a BodyStream read piece by piece on the dispatch pool and written as it comes;
// then the next request, or the connection's close.
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <span>

#include "net/http_session.h"

namespace filesd::net {

void Session::WriteResponse(Response r, bool body_unread) {
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

void Session::PumpStream() {
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

void Session::WriteStreamPiece() {
  stream_.expires_after(opts_.write_timeout);
  http::async_write(stream_, *stream_sr_,
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      if (ec == http::error::need_buffer) ec = {};
                      if (ec) return self->OnWritten(ec);
                      if (self->stream_sr_->is_done()) return self->OnWritten(ec);
                      self->PumpStream();
                    });
}

void Session::OnWritten(beast::error_code ec) {
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

}  // namespace filesd::net
