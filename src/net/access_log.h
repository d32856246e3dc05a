// AccessLog: one JSON line per request on stdout (API.md section 9).
//
// Lines are appended to an in-memory buffer and written with write(2) in whole lines, every
// 100 ms by a background thread or at once when 64 KiB have accumulated, so logging costs a request
// neither a system call nor a thread wake-up, and a reader of the log never sees half a line.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace filesd {

struct AccessLogEntry {
  std::string_view request_id;
  std::string_view method;
  std::string_view target;
  std::string_view route;
  std::string_view project_id;
  std::string_view remote_addr;
  unsigned status = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  double duration_ms = 0;
  std::string_view error;  // why the connection ended early, if it did
};

class AccessLog {
 public:
  // `enabled` false discards every entry (benchmarks may turn logging off). `fd` is where lines go.
  explicit AccessLog(bool enabled = true, int fd = 1);
  ~AccessLog();  // writes what is buffered
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Thread-safe.
  void Write(const AccessLogEntry& entry);

 private:
  void WriteOut(std::string& lines);  // REQUIRES: write_mu_ held
  void FlushLoop();

  const bool enabled_;
  const int fd_;
  std::mutex mu_;                 // guards buffer_ and stop_
  std::string buffer_;
  bool stop_ = false;
  std::condition_variable stop_cv_;
  std::mutex write_mu_;           // keeps whole buffers in order on the fd
  std::thread flusher_;
};

}  // namespace filesd
