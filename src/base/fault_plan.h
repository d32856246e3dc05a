// FaultPlan: which store operation a fault-injecting store makes fail, for crash-consistency tests
// ("fail the n-th store operation, for every n"). One plan can be shared by several fault-injecting
// stores (blob/fault_injecting_blob_store.h, meta/fault_injecting_metadata_store.h): they then
// count on one sequence, so "the n-th operation" means the n-th across all of them.
//
// Deterministic: the count is one sequence under a mutex, so a single-threaded scenario fails at
// the same operation every run. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>

#include "base/status.h"

namespace filesd {

class FaultPlan {
 public:
  enum class Mode {
    kOnce,    // Only the n-th operation fails; later ones reach the wrapped store.
    kSticky,  // The n-th and every later operation fail: the store "went away" (or the process
              // died).
  };
  enum class Timing {
    kBefore,  // Fail without calling the wrapped store: nothing happened.
    kAfter,   // Call the wrapped store, then report failure anyway: the effect happened but the
              // reply was lost.
  };
  // The message of every injected failure (code kUnavailable).
  static constexpr const char* kInjectedMessage = "injected fault";
  static Status Injected() { return Unavailable(kInjectedMessage); }

  // Resets the operation count to 0 and makes operation number `n` (1-based) fail. n == 0 disarms.
  void FailNthOperation(uint64_t n, Mode mode = Mode::kOnce, Timing timing = Timing::kBefore);
  // Resets the count and injects nothing.
  void Disarm() { FailNthOperation(0); }
  // Operations started since the last FailNthOperation()/Disarm() (or construction).
  uint64_t operation_count() const;
  // Operations that were made to fail since then.
  uint64_t injected_failure_count() const;

  // For the fault-injecting stores: counts one operation and says how to treat it.
  struct Decision {
    bool fail = false;
    Timing timing = Timing::kBefore;
  };
  Decision Next();
  // True while a sticky fault has been reached (a readiness probe then fails too).
  bool StickyActive() const;

  // Runs `op` (returning R, a Status or Result) as one counted operation: returns the injected
  // failure or op's own result. With Timing::kAfter, op runs and its result is dropped.
  template <typename R, typename Op>
  R Run(Op&& op) {
    const Decision d = Next();
    if (!d.fail) return op();
    if (d.timing == Timing::kAfter) {
      R discarded = op();
      (void)discarded;
    }
    return Injected();
  }

 private:
  // One mutex rather than atomics: arming must reset the count and the target together.
  mutable std::mutex mu_;
  uint64_t count_ = 0;
  uint64_t fail_at_ = 0;  // 0: never.
  Mode mode_ = Mode::kOnce;
  Timing timing_ = Timing::kBefore;
  uint64_t injected_ = 0;
};

}  // namespace filesd
