// RunIsolated: runs ProcessFile in a separate worker process (filesd-worker) under resource limits, so
// that a crash, a hang or a memory blow-up on a hostile file fails that file only and leaves the server
// serving.
//
// The worker is started with posix_spawn (safe in a multi-threaded server, unlike fork), with stdin on
// /dev/null, no inherited descriptor but its stdout and stderr pipes, default signal dispositions, its
// own process group and a minimal environment. It sets its own rlimits first (address space, CPU time,
// no file writes, no core dumps). The runner reads its answer with a size cap and kills the process
// group with SIGKILL when max_seconds of wall-clock time have passed.
//
// Errors (the message is fit for the client; reason in parentheses):
//  * What the worker reported (processor.h): kInvalidArgument (invalid_file), kPayloadTooLarge
//    (processing_limit), kNotFound when `path` does not exist.
//  * kPayloadTooLarge (processing_timeout): "processing timed out after 30 s" (wall clock), or the CPU
//    time limit was reached.
//  * kPayloadTooLarge (processing_limit): "processing failed: the file exceeds the memory limit", or the
//    answer exceeds its size cap.
//  * kInternal (processing_crashed): the worker died of a signal, exited abnormally or answered
//    garbage; kInternal (worker_unavailable) when it cannot be started.
// Thread-safe: each call has its own process and pipes. Blocks for up to about max_seconds: call it
// from a blocking pool, never from an I/O thread.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "process/processor.h"

namespace filesd::process {

// Exit codes of filesd-worker besides 0 (an answer was written, success or failure).
inline constexpr int kWorkerExitUsage = 2;        // Bad command line.
inline constexpr int kWorkerExitOutOfMemory = 3;  // An allocation failed under RLIMIT_AS.
inline constexpr int kWorkerExitException = 4;    // A library threw something unexpected.

// What happened to the worker, for the server's log (never for the client).
struct WorkerDiagnostics {
  int exit_code = -1;       // When it exited.
  int signal = 0;           // When a signal ended it.
  bool timed_out = false;   // Killed by the runner at the deadline.
  double seconds = 0;       // Wall-clock time.
  std::string stderr_head;  // The first 4 KiB the worker wrote to stderr.
};

// Analyses the file at `path` (named `filename` by the client) in a fresh worker process.
// `worker_path`: the filesd-worker executable. `diagnostics` (optional) receives what happened.
Result<ProcessOutput> RunIsolated(const std::string& worker_path, const std::string& path,
                                  std::string_view filename, const ProcessLimits& limits,
                                  WorkerDiagnostics* diagnostics = nullptr);

// The cap on the worker's answer for `limits`: the text, escaped in JSON at worst, plus metadata.
uint64_t MaxWorkerAnswerBytes(const ProcessLimits& limits);

}  // namespace filesd::process
