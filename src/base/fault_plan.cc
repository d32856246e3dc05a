#include "base/fault_plan.h"

namespace filesd {

void FaultPlan::FailNthOperation(uint64_t n, Mode mode, Timing timing) {
  std::lock_guard<std::mutex> lock(mu_);
  count_ = 0;
  injected_ = 0;
  fail_at_ = n;
  mode_ = mode;
  timing_ = timing;
}

uint64_t FaultPlan::operation_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

uint64_t FaultPlan::injected_failure_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return injected_;
}

FaultPlan::Decision FaultPlan::Next() {
  std::lock_guard<std::mutex> lock(mu_);
  ++count_;
  const bool fail =
      fail_at_ != 0 && (count_ == fail_at_ || (mode_ == Mode::kSticky && count_ > fail_at_));
  if (fail) ++injected_;
  return Decision{fail, timing_};
}

bool FaultPlan::StickyActive() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fail_at_ != 0 && mode_ == Mode::kSticky && count_ >= fail_at_;
}

}  // namespace filesd
