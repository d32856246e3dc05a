#include "fixtures.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>

#include "process/process_file.h"

namespace filesd::process::testing {

namespace {

namespace fs = std::filesystem;

// Per-process scratch directory for files a test writes itself (removed at exit).
std::string g_scratch;

class ScratchEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (!g_scratch.empty()) {
      std::error_code ec;
      fs::remove_all(g_scratch, ec);
    }
  }
};

const ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new ScratchEnvironment);

std::string ReadAll(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "process test fixtures: %s\n", what.c_str());
  std::abort();
}

// The generated fixtures live beside the test binary and are shared by every test process (ctest runs
// each test in its own). They are regenerated, under a lock, only when the generator script changed.
const std::string& FixtureDir() {
  static std::once_flag once;
  static std::string dir;
  std::call_once(once, [] {
    // This file is tests/unit/process/fixtures.cc; the generator is tests/testdata/make_fixtures.py.
    const fs::path script = fs::path(FILESD_TESTS_DIR) / "testdata" / "make_fixtures.py";
    const std::string source = ReadAll(script);
    if (source.empty()) Die("cannot read " + script.string());
    const std::string stamp = std::to_string(std::hash<std::string>()(source)) + "\n";
    const fs::path base = fs::read_symlink("/proc/self/exe").parent_path();
    const fs::path target = base / "process-fixtures";
    dir = target.string();
    const int lock = ::open((base / "process-fixtures.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) Die("cannot lock the fixture directory");
    if (ReadAll(target / "STAMP") != stamp) {
      const fs::path tmp = base / ("process-fixtures.tmp." + std::to_string(::getpid()));
      std::error_code ec;
      fs::remove_all(tmp, ec);
      fs::create_directories(tmp);
      const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + tmp.string() + "'";
      if (std::system(cmd.c_str()) != 0) Die("generation failed: " + cmd);
      std::ofstream(tmp / "STAMP") << stamp;
      fs::remove_all(target, ec);
      fs::rename(tmp, target);
    }
    ::close(lock);  // Releases the lock.
  });
  return dir;
}

const std::string& ScratchDir() {
  static std::once_flag once;
  std::call_once(once, [] {
    char tmpl[] = "/tmp/filesd-process-tests-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) Die("cannot create a temporary directory");
    g_scratch = tmpl;
  });
  return g_scratch;
}

}  // namespace

std::string Fixture(std::string_view name) { return FixtureDir() + "/" + std::string(name); }

std::string Scratch(std::string_view name) { return ScratchDir() + "/" + std::string(name); }

std::string WorkerPath() {
  if (const char* env = std::getenv("FILESD_WORKER_PATH")) return env;
  return (fs::read_symlink("/proc/self/exe").parent_path() / ".." / "filesd-worker")
      .lexically_normal()
      .string();
}

ProcessOutput MustProcess(std::string_view fixture, std::string_view filename, const ProcessLimits& limits) {
  Result<ProcessOutput> out = ProcessFile(Fixture(fixture), filename.empty() ? fixture : filename, limits);
  EXPECT_TRUE(out.ok()) << fixture << ": " << out.status().ToString();
  return out.ok() ? *out : ProcessOutput();
}

std::string WriteTemp(std::string_view name, std::string_view data) {
  const std::string path = Scratch(name);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  return path;
}

}  // namespace filesd::process::testing
