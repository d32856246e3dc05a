// AccessLog: one JSON line per request on stdout (API.md section 9).
//
// Each line is written as soon as it is produced, by the log's own writer thread
// (base/line_writer.h), so a request never waits on stdout: no timer, no batching delay, whole lines
// in the order they were logged. A line looks like
//   {"ts":1796282954.268,"request_id":"...","method":"PUT","path":"/v1/files/upload/..?sig=REDACTED",
//    "route":"files.upload_put","status":200,"bytes_in":10,"bytes_out":321,"duration_ms":12.345,...}
// `ts` is when the request ended, in Unix seconds with milliseconds; `duration_ms` has 3 decimals;
// `path` has the credentials of its query redacted (base/redact.h) and bytes other than printable
// ASCII percent-encoded; strings are JSON-escaped, so a line is always valid JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/line_writer.h"

namespace filesd {

struct AccessLogEntry {
  std::string_view request_id;
  std::string_view method;
  std::string_view target;  // as received; redacted when written
  std::string_view route;
  std::string_view project_id;
  std::string_view remote_addr;
  unsigned status = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  double duration_ms = 0;
  std::string_view error;  // why the request ended early, if it did
};

class AccessLog {
 public:
  // `enabled` false discards every entry (benchmarks may turn logging off). `fd` is where lines go.
  explicit AccessLog(bool enabled = true, int fd = 1);  // the destructor writes what is pending
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Formats and writes one line. Thread-safe.
  void Write(const AccessLogEntry& entry);

  // Returns once every line written before the call is on the descriptor. Thread-safe.
  void Flush();

  // The line for `entry` ending at `now`, with its trailing '\n'.
  static std::string FormatLine(const AccessLogEntry& entry,
                                std::chrono::system_clock::time_point now);

 private:
  std::optional<LineWriter> writer_;  // none when logging is off: no thread, nothing written
};

}  // namespace filesd
