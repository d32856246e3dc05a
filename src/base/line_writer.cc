#include "base/line_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace filesd {
namespace {

// Writes all of `bytes`; false if the descriptor fails (closed reader, disk full, bad fd).
bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

LineWriter::LineWriter(int fd, size_t max_pending_bytes)
    : fd_(fd), max_pending_bytes_(max_pending_bytes) {}

void LineWriter::Append(std::string_view line) {
  std::unique_lock lock(mu_);
  if (writing_ && pending_.size() + line.size() > max_pending_bytes_) {
    ++dropped_lines_;
    return;
  }
  pending_ += line;
  if (writing_) return;  // the thread writing now takes this line too
  writing_ = true;
  while (!pending_.empty()) {
    writing_buf_.swap(pending_);  // both keep their capacity from one round to the next
    lock.unlock();
    const bool ok = WriteAll(fd_, writing_buf_);
    lock.lock();
    if (!ok) {
      dropped_lines_ +=
          static_cast<uint64_t>(std::count(writing_buf_.begin(), writing_buf_.end(), '\n'));
    }
    writing_buf_.clear();
  }
  writing_ = false;
  lock.unlock();
  idle_cv_.notify_all();
}

void LineWriter::Flush() {
  std::unique_lock lock(mu_);
  // A writer leaves only when nothing is pending, so once none is writing all is written.
  idle_cv_.wait(lock, [this] { return !writing_; });
}

uint64_t LineWriter::dropped_lines() const {
  std::lock_guard lock(mu_);
  return dropped_lines_;
}

}  // namespace filesd
