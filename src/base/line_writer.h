// LineWriter: whole lines to a file descriptor from many threads, each written as it is produced.
//
// Group commit: a thread appends its line to a shared buffer; if no write is in progress it becomes
// the writer, writes the buffer with write(2), and keeps writing what other threads appended in the
// meantime until the buffer is empty; a thread that finds a write in progress only appends and
// returns (the writer takes its line). So there is no background thread and no delay: a line is on
// the descriptor when Append() returns, or is being written by the thread that is writing. Lines
// keep the order of their Append() calls and are never split between writes of other lines.
//
// A reader that stops reading (a full pipe) blocks only the writing thread; the others keep
// appending up to `max_pending_bytes`, beyond which lines are dropped (counted, see dropped_lines())
// rather than holding up the threads that log. A write error other than EINTR drops the buffer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace filesd {

class LineWriter {
 public:
  explicit LineWriter(int fd, size_t max_pending_bytes = size_t{16} << 20);
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Appends `line` (which must end with '\n') and, unless another thread is writing, writes it
  // and whatever else is pending. Thread-safe.
  void Append(std::string_view line);

  // Returns once every line appended before the call has been written (or dropped). Thread-safe.
  void Flush();

  // Lines dropped so far because too much was pending or the descriptor failed.
  uint64_t dropped_lines() const;

 private:
  const int fd_;
  const size_t max_pending_bytes_;
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;  // signalled when a writer finishes
  std::string pending_;              // guarded by mu_
  std::string writing_buf_;          // the writer's own, touched only by the thread that writes
  bool writing_ = false;             // guarded by mu_
  uint64_t dropped_lines_ = 0;       // guarded by mu_
};

}  // namespace filesd
