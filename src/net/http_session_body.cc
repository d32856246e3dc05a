// Session's request body pipeline (http_session.h): two buffers, the consumer working on one on the
// body pool while the socket fills the other; backpressure when the consumer is behind; the
// body's end or failure (too large, malformed framing, client gone, consumer refusal).
#include <boost/asio/post.hpp>

#include <algorithm>

#include "net/http_session.h"

namespace filesd::net {

void Session::StartBody() {
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

void Session::ReadBody() {
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

void Session::OnBodyRead(beast::error_code ec, size_t got) {
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

void Session::HandOff() {
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

void Session::OnConsumed(Status s) {
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

void Session::FinishBody() {
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

void Session::FailBody(Status status, std::string note) {
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

}  // namespace filesd::net
