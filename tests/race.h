// Race(): runs a function on several threads released at the same moment, so that tests of
// "exactly one of racing callers wins" make the callers really overlap.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

namespace filesd::test_util {

// Runs `fn(i)` for i in [0, n) on `n` threads started together; returns when all have finished.
template <typename Fn>
void Race(int n, Fn fn) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      fn(i);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
}

}  // namespace filesd::test_util
