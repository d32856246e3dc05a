#include "net/access_log.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>

namespace filesd {
namespace {

constexpr size_t kFlushBytes = 64 * 1024;
constexpr auto kFlushInterval = std::chrono::milliseconds(100);

}  // namespace

AccessLog::AccessLog(bool enabled, int fd) : enabled_(enabled), fd_(fd) {
  if (enabled_) flusher_ = std::thread([this] { FlushLoop(); });
}

AccessLog::~AccessLog() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_one();
  flusher_.join();
}

void AccessLog::Write(const AccessLogEntry& e) {
  if (!enabled_) return;
  boost::json::object o;
  o["ts"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  o["request_id"] = e.request_id;
  o["method"] = e.method;
  o["path"] = e.target;
  o["route"] = e.route;
  o["status"] = e.status;
  o["bytes_in"] = e.bytes_in;
  o["bytes_out"] = e.bytes_out;
  o["duration_ms"] = e.duration_ms;
  if (!e.project_id.empty()) o["project_id"] = e.project_id;
  if (!e.remote_addr.empty()) o["remote"] = e.remote_addr;
  if (!e.error.empty()) o["error"] = e.error;
  std::string line = boost::json::serialize(o);
  line += '\n';

  std::string full;
  {
    std::lock_guard lock(mu_);
    buffer_ += line;
    if (buffer_.size() < kFlushBytes) return;
    full.swap(buffer_);
  }
  std::lock_guard write_lock(write_mu_);
  WriteOut(full);
}

void AccessLog::WriteOut(std::string& lines) {
  size_t off = 0;
  while (off < lines.size()) {
    const ssize_t n = ::write(fd_, lines.data() + off, lines.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // stdout closed or full: dropping log lines beats blocking requests
    }
    off += static_cast<size_t>(n);
  }
  lines.clear();
}

void AccessLog::FlushLoop() {
  std::string pending;
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      stop_cv_.wait_for(lock, kFlushInterval, [this] { return stop_; });
      stopping = stop_;
      pending.swap(buffer_);
    }
    if (!pending.empty()) {
      std::lock_guard write_lock(write_mu_);
      WriteOut(pending);
    }
    if (stopping) return;
  }
}

}  // namespace filesd
