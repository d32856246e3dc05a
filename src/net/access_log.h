// AccessLog: one JSON line per request on stdout (API.md section 9), written asynchronously so that
// logging never blocks an I/O thread on a slow terminal or pipe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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
  // `enabled` false discards every entry (benchmarks may turn logging off).
  explicit AccessLog(bool enabled = true);
  void Write(const AccessLogEntry& entry);

 private:
  bool enabled_;
};

}  // namespace filesd
