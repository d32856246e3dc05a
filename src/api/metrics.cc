#include "api/metrics.h"

#include <fmt/format.h>

namespace filesd {

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(std::string_view name, std::string* out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    *out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBounds[i], cumulative);
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  *out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  *out += fmt::format("{}_sum {}\n", name, sum_micros_.load(std::memory_order_relaxed) / 1e6);
  *out += fmt::format("{}_count {}\n", name, count_.load(std::memory_order_relaxed));
}

void Metrics::RecordRequest(std::string_view route, std::string_view method, unsigned status,
                            uint64_t bytes_in, uint64_t bytes_out, double seconds) {
  bytes_in_.fetch_add(bytes_in, std::memory_order_relaxed);
  bytes_out_.fetch_add(bytes_out, std::memory_order_relaxed);
  request_seconds_.Observe(seconds);
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), std::string(method), status}];
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  out += "# HELP filesd_http_requests_total HTTP requests answered, by route, method and status.\n";
  out += "# TYPE filesd_http_requests_total counter\n";
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, count] : requests_) {
      const auto& [route, method, status] = key;
      out += fmt::format("filesd_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                         route, method, status, count);
    }
  }
  out += "# HELP filesd_http_request_bytes_total Request body bytes received.\n";
  out += "# TYPE filesd_http_request_bytes_total counter\n";
  out += fmt::format("filesd_http_request_bytes_total {}\n", bytes_in_.load());
  out += "# HELP filesd_http_response_bytes_total Response body bytes sent.\n";
  out += "# TYPE filesd_http_response_bytes_total counter\n";
  out += fmt::format("filesd_http_response_bytes_total {}\n", bytes_out_.load());
  out += "# HELP filesd_http_request_duration_seconds Time from request header to response end.\n";
  out += "# TYPE filesd_http_request_duration_seconds histogram\n";
  request_seconds_.Render("filesd_http_request_duration_seconds", &out);
  out += "# HELP filesd_upload_duration_seconds Time to receive and store one upload.\n";
  out += "# TYPE filesd_upload_duration_seconds histogram\n";
  upload_seconds_.Render("filesd_upload_duration_seconds", &out);
  out += "# HELP filesd_processing_duration_seconds Time to analyse one file.\n";
  out += "# TYPE filesd_processing_duration_seconds histogram\n";
  processing_seconds_.Render("filesd_processing_duration_seconds", &out);
  return out;
}

}  // namespace filesd
