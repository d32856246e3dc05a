// Session's responses (http_session.h): headers every response gets, a string body in one write,
// a HEAD answer, a body that is a plain local file sent zero-copy (file_sender.h), or any other
// BodyStream read on the dispatch pool into one buffer while the other is written; then the next
// request, or the connection's close.
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <span>

#include "net/file_sender.h"
#include "net/http_session.h"

namespace filesd::net {
namespace {

// Each of the two buffers of a streamed body: large, so that a storage read and a socket write
// cost few hops between threads per byte.
constexpr size_t kStreamBufferBytes = 1 << 20;

}  // namespace

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
    if (auto region = r.stream->file_region()) return SendFileBody(std::move(r), *region);
    return StreamBody(std::move(r));
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

void Session::SendFileBody(Response r, FileRegion region) {
  body_stream_ = std::move(r.stream);  // owns region.fd until the send ends
  empty_res_.emplace(std::move(r.header));
  empty_res_->content_length(region.length);
  http::async_write(
      stream_, *empty_res_, [self = shared_from_this(), region](beast::error_code ec, size_t) {
        if (ec) return self->OnWritten(ec);
        const SendFileLimits limits{self->opts_.write_timeout, self->opts_.body_buffer_bytes};
        AsyncSendFile(self->stream_.socket(), region, limits,
                      [self](beast::error_code sec, uint64_t sent) {
                        self->bytes_out_ += sent;
                        if (sec == asio::error::eof) {
                          spdlog::error("request {}: response body failed: the file ended early",
                                        self->head_.request_id);
                          self->error_note_ = "response body read failed";
                        }
                        self->OnWritten(sec);
                      });
      });
}

void Session::StreamBody(Response r) {
  stream_res_.emplace(std::move(r.header));
  stream_res_->content_length(r.stream->size());
  stream_res_->body().data = nullptr;
  stream_res_->body().more = true;
  body_stream_ = std::move(r.stream);
  pipe_ = StreamPipe{};
  pipe_.unread = pipe_.unsent = body_stream_->size();
  // Both the same size: a read may return less than asked, so the last bytes may need either.
  pipe_.buf_bytes = static_cast<size_t>(std::min<uint64_t>(pipe_.unread, kStreamBufferBytes));
  for (auto& buf : pipe_.bufs) buf = std::make_unique_for_overwrite<char[]>(pipe_.buf_bytes);
  stream_sr_.emplace(*stream_res_);
  http::async_write_header(stream_, *stream_sr_,
                           [self = shared_from_this()](beast::error_code ec, size_t) {
                             if (ec) return self->OnWritten(ec);
                             if (self->pipe_.unsent == 0) return self->WriteStreamPiece();
                             self->ReadStreamPiece();
                           });
}

void Session::ReadStreamPiece() {
  StreamPipe& p = pipe_;
  if (p.reading || p.end || p.unread == 0 || p.ready[p.fill] != 0) return;
  p.reading = true;
  const size_t i = p.fill;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(p.unread, p.buf_bytes));
  asio::post(shared_->dispatch_pool, [self = shared_from_this(), i, want] {
    auto n = self->body_stream_->Read(std::span<char>(self->pipe_.bufs[i].get(), want));
    asio::post(self->stream_.get_executor(),
               [self, i, n = std::move(n)] { self->OnStreamPieceRead(i, n); });
  });
}

void Session::OnStreamPieceRead(size_t i, const Result<size_t>& n) {
  StreamPipe& p = pipe_;
  p.reading = false;
  if (p.end) return EndStream();  // a write failed meanwhile
  if (!n.ok() || *n == 0) {
    spdlog::error("request {}: response body failed: {}", head_.request_id,
                  n.ok() ? "ended early" : n.status().ToString());
    error_note_ = "response body read failed";
    p.end = asio::error::broken_pipe;
    if (!p.writing) EndStream();
    return;
  }
  p.ready[i] = std::min<uint64_t>(*n, p.unread);
  p.unread -= p.ready[i];
  p.fill ^= 1;
  WriteStreamPiece();
  ReadStreamPiece();
}

void Session::WriteStreamPiece() {
  StreamPipe& p = pipe_;
  if (p.writing || (p.ready[p.send] == 0 && p.unsent != 0)) return;
  p.writing = true;
  const size_t n = p.ready[p.send];
  p.unsent -= n;
  stream_res_->body().data = n == 0 ? nullptr : p.bufs[p.send].get();
  stream_res_->body().size = n;
  stream_res_->body().more = p.unsent > 0;
  stream_.expires_after(opts_.write_timeout);
  http::async_write(stream_, *stream_sr_,
                    [self = shared_from_this(), n](beast::error_code ec, size_t) {
                      self->OnStreamPieceWritten(ec, n);
                    });
}

void Session::OnStreamPieceWritten(beast::error_code ec, size_t n) {
  StreamPipe& p = pipe_;
  p.writing = false;
  if (ec == http::error::need_buffer) ec = {};
  if (ec && !p.end) p.end = ec;
  if (p.end) {
    if (!p.reading) EndStream();
    return;
  }
  bytes_out_ += n;
  p.ready[p.send] = 0;
  p.send ^= 1;
  if (stream_sr_->is_done()) return EndStream();
  WriteStreamPiece();
  ReadStreamPiece();
}

void Session::EndStream() {
  const beast::error_code ec = pipe_.end.value_or(beast::error_code{});
  pipe_ = StreamPipe{};  // frees the buffers: an idle connection keeps none
  OnWritten(ec);
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
