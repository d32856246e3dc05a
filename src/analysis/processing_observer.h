// ProcessingObserver: where the analysis orchestration reports how long each analysis took (the
// server's metrics implement it), without depending on the HTTP layer that serves them.
#pragma once

namespace filesd {

class ProcessingObserver {
 public:
  virtual ~ProcessingObserver() = default;
  // One analysis ran for `seconds` (wall time, worker included). Thread-safe.
  virtual void ObserveProcessing(double seconds) = 0;
};

}  // namespace filesd
