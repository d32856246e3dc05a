// Clock: the only source of "now" in filesd, so tests (and the janitor's tests) can drive time.
#pragma once

#include <atomic>
#include <cstdint>

namespace filesd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Current Unix time in whole seconds. Thread-safe.
  virtual int64_t NowSeconds() const = 0;
};

// Wall-clock time.
class SystemClock final : public Clock {
 public:
  int64_t NowSeconds() const override;
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_seconds = 1'700'000'000) : now_(start_seconds) {}
  int64_t NowSeconds() const override { return now_.load(); }
  void Advance(int64_t seconds) { now_ += seconds; }
  void Set(int64_t seconds) { now_ = seconds; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace filesd
