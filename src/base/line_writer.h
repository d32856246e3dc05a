// LineWriter: whole lines to a file descriptor from many threads, each written as soon as it is
// produced, by the writer's own thread, so a thread that logs never waits on the descriptor.
//
// Append() adds the line to a shared buffer and, if the writer thread is idle, wakes it; the writer
// takes the whole buffer, writes it with write(2), and goes on until the buffer is empty. So a line
// is written at once (no timer, no batching delay) when the log is quiet, and lines that arrive
// while a write is in progress go out together in the next one. Lines keep the order of their
// Append() calls and are never split between writes of other lines.
//
// A reader that stops reading (a full pipe) blocks only the writer thread; Append() keeps
// buffering up to `max_pending_bytes`, beyond which lines are dropped (counted, see
// dropped_lines()) rather than holding up the threads that log. A write error other than EINTR
// drops what was being written. The destructor writes what is pending, then joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace filesd {

class LineWriter {
 public:
  explicit LineWriter(int fd, size_t max_pending_bytes = size_t{16} << 20);
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Appends `line` (which must end with '\n') for the writer thread. Never blocks on the
  // descriptor. Thread-safe.
  void Append(std::string_view line);

  // Returns once every line appended before the call has been written (or dropped). Thread-safe.
  void Flush();

  // Lines dropped so far because too much was pending or the descriptor failed.
  uint64_t dropped_lines() const;

 private:
  void WriteLoop();

  const int fd_;
  const size_t max_pending_bytes_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // signalled when the idle writer has lines, or must stop
  std::condition_variable idle_cv_;  // signalled when the writer has written all there was
  std::string pending_;              // guarded by mu_
  bool writing_ = false;             // guarded by mu_: the writer holds lines taken from pending_
  bool stop_ = false;                // guarded by mu_
  uint64_t dropped_lines_ = 0;       // guarded by mu_
  std::thread writer_;               // last: started once the members above exist
};

}  // namespace filesd
