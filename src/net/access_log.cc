#include "net/access_log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>

namespace filesd {
namespace {

std::shared_ptr<spdlog::logger> AccessLogger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    spdlog::init_thread_pool(8192, 1);
    auto l = spdlog::create_async_nb<spdlog::sinks::stdout_sink_mt>("access");
    l->set_pattern("%v");
    l->flush_on(spdlog::level::info);
    return l;
  }();
  return logger;
}

}  // namespace

AccessLog::AccessLog(bool enabled) : enabled_(enabled) {
  if (enabled_) AccessLogger();
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
  AccessLogger()->info(boost::json::serialize(o));
}

}  // namespace filesd
