// FUZZ_CHECK: the invariant check of every fuzz target; a failure prints the condition and aborts,
// which libFuzzer records as a crash with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "fuzz invariant failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
