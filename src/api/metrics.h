// Metrics: process-wide counters and histograms, rendered in the Prometheus text format
// (version 0.0.4) by GET /metrics. Thread-safe; recording is cheap enough for every request.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "analysis/processing_observer.h"

namespace filesd {

// A fixed-bucket histogram of seconds.
class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,    2.5,   5,    10,  30};
  void Observe(double seconds);
  // Appends the _bucket/_sum/_count lines for metric `name`.
  void Render(std::string_view name, std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class Metrics : public ProcessingObserver {
 public:
  // One finished HTTP request.
  void RecordRequest(std::string_view route, std::string_view method, unsigned status,
                     uint64_t bytes_in, uint64_t bytes_out, double seconds);
  // Time from the first body byte of an upload to its answer.
  void ObserveUpload(double seconds) { upload_seconds_.Observe(seconds); }
  // Time spent analysing one file.
  void ObserveProcessing(double seconds) override { processing_seconds_.Observe(seconds); }

  std::string RenderPrometheus() const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, unsigned>, uint64_t> requests_;  // guarded by mu_
  std::atomic<uint64_t> bytes_in_{0};
  std::atomic<uint64_t> bytes_out_{0};
  Histogram request_seconds_;
  Histogram upload_seconds_;
  Histogram processing_seconds_;
};

}  // namespace filesd
