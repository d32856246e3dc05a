#include "process/isolated_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "process/worker_protocol.h"

namespace filesd::process {

namespace {

constexpr size_t kStderrKeepBytes = 4096;
constexpr std::string_view kReasonTimeout = "processing_timeout";
constexpr std::string_view kReasonCrashed = "processing_crashed";

using Clock = std::chrono::steady_clock;

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

Status Crashed(std::string message) { return Internal(std::move(message), std::string(kReasonCrashed)); }
Status MemoryExceeded() { return LimitExceeded("processing failed: the file exceeds the memory limit"); }

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int* out() { return &fd_; }

 private:
  int fd_ = -1;
};

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

// Environment of the worker: nothing of the server's but what the libraries need.
std::vector<std::string> WorkerEnvironment() {
  std::vector<std::string> env = {
      "PATH=/usr/bin:/bin", "LC_ALL=C",           "VIPS_CONCURRENCY=1",
      "OMP_THREAD_LIMIT=1", "MALLOC_ARENA_MAX=2", "HOME=/nonexistent",
  };
  if (const char* tessdata = std::getenv("TESSDATA_PREFIX"))
    env.push_back(std::string("TESSDATA_PREFIX=") + tessdata);
  return env;
}

// Reads what is available on `fd` into `out` up to `cap` bytes (the rest is read and dropped, and
// *overflow set). Returns false at end of file or on error.
bool Drain(int fd, std::string& out, size_t cap, bool* overflow) {
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      size_t keep = out.size() < cap ? std::min(static_cast<size_t>(n), cap - out.size()) : 0;
      out.append(buf, keep);
      if (keep < static_cast<size_t>(n)) *overflow = true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

}  // namespace

uint64_t MaxWorkerAnswerBytes(const ProcessLimits& limits) {
  // \u00XX escapes take 6 bytes for one; metadata and summary are small (previews are capped).
  return limits.max_text_bytes * 6 + (uint64_t{32} << 20);
}

Result<ProcessOutput> RunIsolated(const std::string& worker_path, const std::string& path,
                                  std::string_view filename, const ProcessLimits& limits,
                                  WorkerDiagnostics* diagnostics) {
  WorkerDiagnostics local_diag;
  WorkerDiagnostics& diag = diagnostics != nullptr ? *diagnostics : local_diag;
  diag = WorkerDiagnostics();
  const Clock::time_point start = Clock::now();

  Fd out_read, out_write, err_read, err_write;
  {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
      return Internal("processing failed: no pipe", "worker_unavailable");
    *out_read.out() = p[0];
    *out_write.out() = p[1];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
      return Internal("processing failed: no pipe", "worker_unavailable");
    *err_read.out() = p[0];
    *err_write.out() = p[1];
    // The worker writes blocking; only our ends are non-blocking.
    ::fcntl(out_write.get(), F_SETFL, 0);
    ::fcntl(err_write.get(), F_SETFL, 0);
  }

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Whatever the server opened without O_CLOEXEC stays out of the worker.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
#endif
  sigset_t no_signals, all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&setup.attr, &no_signals);
  posix_spawnattr_setsigdefault(&setup.attr, &all_signals);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  const std::string limits_json = LimitsToJson(limits);
  const std::string filename_arg(filename);
  std::vector<const char*> argv = {worker_path.c_str(),  "--path",   path.c_str(),        "--filename",
                                   filename_arg.c_str(), "--limits", limits_json.c_str(), nullptr};
  const std::vector<std::string> env_strings = WorkerEnvironment();
  std::vector<const char*> envp;
  for (const std::string& e : env_strings) envp.push_back(e.c_str());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, worker_path.c_str(), &setup.actions, &setup.attr,
                         const_cast<char* const*>(argv.data()), const_cast<char* const*>(envp.data()));
  if (rc != 0) return Internal("processing failed: the worker could not be started", "worker_unavailable");
  out_write.Reset();
  err_write.Reset();

  // A pidfd tells when the worker exits even if it closed its pipes early; without one, poll ticks.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits.max_seconds));
  const size_t answer_cap = static_cast<size_t>(MaxWorkerAnswerBytes(limits));
  std::string answer, err_text;
  bool answer_overflow = false, err_overflow = false;
  bool out_open = true, err_open = true, exited = false;
  int wait_status = 0;
  while (true) {
    if (!exited) {
      pid_t w = ::waitpid(pid, &wait_status, WNOHANG);
      if (w == pid) exited = true;
    }
    if (exited && !out_open && !err_open) break;
    const auto now = Clock::now();
    if (now >= deadline || answer_overflow) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      if (!exited) {
        while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
        }
      }
      diag.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      diag.stderr_head = err_text;
      if (answer_overflow) {
        diag.signal = SIGKILL;
        return LimitExceeded("processing failed: the result exceeds its size limit");
      }
      diag.timed_out = true;
      return Status(StatusCode::kPayloadTooLarge,
                    "processing timed out after " + Seconds(limits.max_seconds) + " s",
                    std::string(kReasonTimeout));
    }
    pollfd fds[3];
    nfds_t nfds = 0;
    int out_index = -1, err_index = -1;
    if (out_open) {
      out_index = static_cast<int>(nfds);
      fds[nfds++] = pollfd{out_read.get(), POLLIN, 0};
    }
    if (err_open) {
      err_index = static_cast<int>(nfds);
      fds[nfds++] = pollfd{err_read.get(), POLLIN, 0};
    }
    if (!exited && pidfd.get() >= 0) fds[nfds++] = pollfd{pidfd.get(), POLLIN, 0};
    auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    if (pidfd.get() < 0 && !exited) wait_ms = std::min<int64_t>(wait_ms, 10);
    if (nfds == 0) wait_ms = std::min<int64_t>(wait_ms, 10);  // Pipes closed, no pidfd: tick.
    int ready = ::poll(fds, nfds, static_cast<int>(std::min<int64_t>(wait_ms, 1000)));
    if (ready < 0 && errno != EINTR) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      if (!exited) ::waitpid(pid, &wait_status, 0);
      return Crashed("processing failed: cannot watch the worker");
    }
    if (ready <= 0) continue;
    if (out_index >= 0 && fds[out_index].revents != 0) {
      out_open = Drain(out_read.get(), answer, answer_cap, &answer_overflow);
    }
    if (err_index >= 0 && fds[err_index].revents != 0) {
      err_open = Drain(err_read.get(), err_text, kStderrKeepBytes, &err_overflow);
    }
  }

  diag.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  diag.stderr_head = err_text;
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    diag.signal = sig;
    if (sig == SIGXCPU) {
      return Status(
          StatusCode::kPayloadTooLarge,
          "processing timed out: the CPU time limit of " + Seconds(limits.max_seconds) + " s was reached",
          std::string(kReasonTimeout));
    }
    if (sig == SIGKILL) return MemoryExceeded();  // Only the kernel (out of memory) kills it besides us.
    if (sig == SIGABRT) {
      return Crashed("processing failed: the worker aborted (out of memory or a malformed file)");
    }
    return Crashed("processing failed: the worker crashed (signal " + std::to_string(sig) + ")");
  }
  diag.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  if (diag.exit_code == kWorkerExitOutOfMemory) return MemoryExceeded();
  if (diag.exit_code != 0) {
    // A worker that failed cleanly may still have explained itself.
    Result<ProcessOutput> reported = DecodeWorkerAnswer(answer);
    if (!reported.ok() && reported.status().reason() != kReasonCrashed) return reported;
    return Crashed("processing failed: the worker exited with status " + std::to_string(diag.exit_code));
  }
  return DecodeWorkerAnswer(answer);
}

}  // namespace filesd::process
