#include "net/access_log.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>

#include "base/json_string.h"
#include "base/redact.h"

namespace filesd {
namespace {

// Appends `"key":` followed by `value` as a JSON string (escaped as Boost.JSON does).
void AppendString(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  AppendJsonString(out, value);
  out += ',';
}

void AppendRaw(std::string& out, std::string_view key, std::string_view json_number) {
  out += '"';
  out += key;
  out += "\":";
  out += json_number;
  out += ',';
}

// The target as it can be logged: credentials redacted, and bytes that are not printable ASCII
// (a client may send raw bytes, not UTF-8) percent-encoded, so that the line stays valid JSON text.
std::string LoggableTarget(std::string_view target) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : RedactUrlSecrets(target)) {
    const auto b = static_cast<unsigned char>(c);
    if (b > 0x20 && b < 0x7f) {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    }
  }
  return out;
}

// Unix seconds with milliseconds, fixed-point: "1796282954.268".
std::string FixedSeconds(std::chrono::system_clock::time_point t) {
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRId64 ".%03" PRId64, ms / 1000, ms % 1000);
  return buf;
}

// `v` with 3 decimals, fixed-point: "12.345".
std::string Fixed3(double v) {
  if (!(v >= 0) || v > 1e15) v = 0;  // never NaN, infinite or exponent notation in the log
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
  return ec == std::errc() ? std::string(buf, end) : std::string("0.000");
}

}  // namespace

AccessLog::AccessLog(bool enabled, int fd) {
  if (enabled) writer_.emplace(fd);
}

void AccessLog::Write(const AccessLogEntry& entry) {
  if (writer_) writer_->Append(FormatLine(entry, std::chrono::system_clock::now()));
}

void AccessLog::Flush() {
  if (writer_) writer_->Flush();
}

std::string AccessLog::FormatLine(const AccessLogEntry& e,
                                  std::chrono::system_clock::time_point now) {
  std::string line = "{";
  AppendRaw(line, "ts", FixedSeconds(now));
  AppendString(line, "request_id", e.request_id);
  AppendString(line, "method", e.method);
  AppendString(line, "path", LoggableTarget(e.target));
  AppendString(line, "route", e.route);
  AppendRaw(line, "status", std::to_string(e.status));
  AppendRaw(line, "bytes_in", std::to_string(e.bytes_in));
  AppendRaw(line, "bytes_out", std::to_string(e.bytes_out));
  AppendRaw(line, "duration_ms", Fixed3(e.duration_ms));
  if (!e.project_id.empty()) AppendString(line, "project_id", e.project_id);
  if (!e.remote_addr.empty()) AppendString(line, "remote", e.remote_addr);
  if (!e.error.empty()) AppendString(line, "error", e.error);
  line.back() = '}';  // replaces the last ','
  line += '\n';
  return line;
}

}  // namespace filesd
