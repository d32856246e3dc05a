// filesd-worker: analyses one file and writes one JSON answer (worker_protocol.h) to stdout.
//
//   filesd-worker --path FILE --filename NAME [--limits JSON]
//
// It limits itself before it touches the file: address space (RLIMIT_AS = max_memory_bytes), CPU time
// (RLIMIT_CPU = max_seconds rounded up times the OCR threads it may run (ocr.h), plus one), no file
// writes (RLIMIT_FSIZE = 0) and no core dumps. Its malloc keeps one arena per OCR thread plus one, so
// the address space reserved by arenas (64 MiB each) stays within the OCR threads' share of RLIMIT_AS,
// and keeps freed memory for reuse rather than unmapping it.
// Tesseract's own OpenMP threads are off (OMP_THREAD_LIMIT=1): the worker runs pages in parallel
// itself, and OpenMP teams inside each of its threads would only compete for the same cores.
// Exit status: 0 when an answer was written (success or a clean failure), otherwise the codes of
// isolated_runner.h. Started by RunIsolated; runnable by hand for debugging.
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "process/isolated_runner.h"
#include "process/ocr.h"
#include "process/process_file.h"
#include "process/worker_protocol.h"

namespace {

using filesd::process::ProcessLimits;

bool WriteAll(const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(STDOUT_FILENO, s.data() + done, s.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool SetLimit(int resource, rlim_t soft, rlim_t hard) {
  rlimit rl{soft, hard};
  return ::setrlimit(resource, &rl) == 0;
}

bool ApplyLimits(const ProcessLimits& limits) {
  const rlim_t cpu = static_cast<rlim_t>(std::ceil(limits.max_seconds)) *
                         static_cast<rlim_t>(filesd::process::OcrThreadCount(limits)) +
                     1;
  return SetLimit(RLIMIT_AS, limits.max_memory_bytes, limits.max_memory_bytes) &&
         SetLimit(RLIMIT_CPU, cpu, cpu + 1) && SetLimit(RLIMIT_FSIZE, 0, 0) && SetLimit(RLIMIT_CORE, 0, 0);
}

int Usage(const char* message) {
  std::fprintf(stderr,
               "filesd-worker: %s\nusage: filesd-worker --path FILE --filename NAME [--limits JSON]\n",
               message);
  return filesd::process::kWorkerExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // libgomp reads OMP_THREAD_LIMIT when it is loaded, before main: a worker started without it (by
  // hand; RunIsolated sets it) runs itself again with it. On failure it goes on as it is.
  if (const char* omp = std::getenv("OMP_THREAD_LIMIT"); omp == nullptr || std::string_view(omp) != "1") {
    ::setenv("OMP_THREAD_LIMIT", "1", 1);
    ::execv("/proc/self/exe", argv);
  }
  std::optional<std::string> path, filename;
  std::string limits_json = "{}";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return Usage("missing value");
    if (arg == "--path") {
      path = argv[++i];
    } else if (arg == "--filename") {
      filename = argv[++i];
    } else if (arg == "--limits") {
      limits_json = argv[++i];
    } else {
      return Usage("unknown argument");
    }
  }
  if (!path || !filename) return Usage("--path and --filename are required");
  filesd::Result<ProcessLimits> limits = filesd::process::LimitsFromJson(limits_json);
  if (!limits.ok()) return Usage(limits.status().message().c_str());

  // Limits first, before any byte of the file is read.
  if (!ApplyLimits(*limits)) return Usage("cannot set resource limits");
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // Past RLIMIT_FSIZE a write fails with EFBIG instead of killing the process.
  ::signal(SIGXFSZ, SIG_IGN);
  ::setenv("VIPS_CONCURRENCY", "1", 0);
  ::mallopt(M_ARENA_MAX, filesd::process::OcrThreadCount(*limits) + 1);
  // Tesseract allocates and frees large buffers for every text line. By default glibc maps each one
  // afresh and hands freed memory back at once, and the page faults of one OCR thread then wait on
  // another's munmap: a short-lived worker keeps its memory instead (a quarter faster on 2 threads,
  // bench/ocr_bench.sh). The peak, bounded by RLIMIT_AS, is unchanged.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 512 << 20);

  try {
    filesd::Result<filesd::process::ProcessOutput> result =
        filesd::process::ProcessFile(*path, *filename, *limits);
    if (!WriteAll(filesd::process::EncodeWorkerAnswer(result))) return 1;
    return 0;
  } catch (const std::bad_alloc&) {
    WriteAll(filesd::process::EncodeWorkerAnswer(
        filesd::process::LimitExceeded("processing failed: the file exceeds the memory limit")));
    return filesd::process::kWorkerExitOutOfMemory;
  } catch (...) {
    WriteAll(
        filesd::process::EncodeWorkerAnswer(filesd::Internal("processing failed", "processing_crashed")));
    return filesd::process::kWorkerExitException;
  }
}
