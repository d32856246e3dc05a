// AsyncSendFile (file_sender.h): a turn sends with sendfile(2) until the socket is full, the
// region is done or the turn's share is used up, then waits for writability; a timer watches the
// client's pace.
#include "net/file_sender.h"

#include <sys/sendfile.h>

#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <utility>

namespace filesd::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

// Bytes one turn may send before yielding to the connection's other work and to the other
// connections of this I/O thread (a few milliseconds at memory speed).
constexpr uint64_t kTurnBytes = 8ull << 20;

class SendFileOp : public std::enable_shared_from_this<SendFileOp> {
 public:
  SendFileOp(asio::ip::tcp::socket& socket, FileRegion region, SendFileLimits limits,
             std::function<void(beast::error_code, uint64_t)> done)
      : socket_(socket),
        region_(region),
        limits_(limits),
        timer_(socket.get_executor()),
        done_(std::move(done)) {}

  void Start() {
    beast::error_code ec;
    socket_.native_non_blocking(true, ec);
    if (ec) return Finish(ec);
    deadline_ = Clock::now() + limits_.stall_timeout;
    WatchDeadline();
    Turn();
  }

 private:
  void Turn() {
    uint64_t turn = 0;
    while (sent_ < region_.length && turn < kTurnBytes) {
      off_t offset = static_cast<off_t>(region_.offset + sent_);
      const size_t count = static_cast<size_t>(std::min(region_.length - sent_, kTurnBytes));
      const ssize_t n = ::sendfile(socket_.native_handle(), region_.fd, &offset, count);
      if (n > 0) {
        sent_ += static_cast<uint64_t>(n);
        turn += static_cast<uint64_t>(n);
        continue;
      }
      if (n == 0) return Finish(asio::error::eof);  // the file is shorter than the region
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return Finish(beast::error_code(errno, boost::system::system_category()));
    }
    if (sent_ - sent_at_deadline_ >= limits_.progress_bytes) {
      sent_at_deadline_ = sent_;
      deadline_ = Clock::now() + limits_.stall_timeout;
    }
    if (sent_ == region_.length) return Finish({});
    socket_.async_wait(asio::ip::tcp::socket::wait_write,
                       [self = shared_from_this()](beast::error_code ec) {
                         if (self->finished_) return;
                         if (self->timed_out_) return self->Finish(beast::error::timeout);
                         if (ec) return self->Finish(ec);
                         self->Turn();
                       });
  }

  // The timer fires at the deadline, which progress keeps moving: when it has really passed, the
  // pending wait is cancelled and the send ends as timed out.
  void WatchDeadline() {
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (self->finished_ || ec == asio::error::operation_aborted) return;
      if (Clock::now() < self->deadline_) return self->WatchDeadline();
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }

  void Finish(beast::error_code ec) {
    finished_ = true;
    timer_.cancel();
    auto done = std::move(done_);
    done(ec, sent_);
  }

  asio::ip::tcp::socket& socket_;
  const FileRegion region_;
  const SendFileLimits limits_;
  asio::steady_timer timer_;
  std::function<void(beast::error_code, uint64_t)> done_;
  uint64_t sent_ = 0;
  uint64_t sent_at_deadline_ = 0;
  Clock::time_point deadline_;
  bool finished_ = false;
  bool timed_out_ = false;
};

}  // namespace

void AsyncSendFile(asio::ip::tcp::socket& socket, FileRegion region, SendFileLimits limits,
                   std::function<void(beast::error_code, uint64_t)> done) {
  std::make_shared<SendFileOp>(socket, region, limits, std::move(done))->Start();
}

}  // namespace filesd::net
