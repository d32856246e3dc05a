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
    : fd_(fd), max_pending_bytes_(max_pending_bytes), writer_([this] { WriteLoop(); }) {}

LineWriter::~LineWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_one();
  writer_.join();
}

void LineWriter::Append(std::string_view line) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    // A line always fits an empty buffer; behind a stalled reader the buffer stops at the cap.
    if (!pending_.empty() && pending_.size() + line.size() > max_pending_bytes_) {
      ++dropped_lines_;
      return;
    }
    wake = pending_.empty() && !writing_;  // else the writer is awake and will take this line
    pending_ += line;
  }
  if (wake) work_cv_.notify_one();
}

void LineWriter::WriteLoop() {
  std::string batch;  // keeps its capacity from one write to the next
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and everything is written
    batch.swap(pending_);
    writing_ = true;
    lock.unlock();
    const bool ok = WriteAll(fd_, batch);
    lock.lock();
    writing_ = false;
    if (!ok) {
      dropped_lines_ += static_cast<uint64_t>(std::count(batch.begin(), batch.end(), '\n'));
    }
    batch.clear();
    if (pending_.empty()) idle_cv_.notify_all();
  }
}

void LineWriter::Flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return pending_.empty() && !writing_; });
}

uint64_t LineWriter::dropped_lines() const {
  std::lock_guard lock(mu_);
  return dropped_lines_;
}

}  // namespace filesd
