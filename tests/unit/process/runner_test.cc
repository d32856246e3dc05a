#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "fixtures.h"
#include "process/isolated_runner.h"
#include "process/process_file.h"
#include "process/worker_protocol.h"

namespace filesd::process {
namespace {

using testing::Fixture;
using testing::WorkerPath;

// A stand-in worker: a shell script.
std::string Script(std::string_view name, std::string_view body) {
  const std::string path = testing::WriteTemp(name, "#!/bin/sh\n" + std::string(body) + "\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

Result<ProcessOutput> RunFixture(std::string_view fixture, const ProcessLimits& limits = ProcessLimits(),
                                 WorkerDiagnostics* diag = nullptr) {
  return RunIsolated(WorkerPath(), Fixture(fixture), fixture, limits, diag);
}

void ExpectSameOutput(const ProcessOutput& a, const ProcessOutput& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.mime_type, b.mime_type);
  EXPECT_EQ(a.metadata_json, b.metadata_json);
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_EQ(a.text, b.text);
}

TEST(WorkerProtocolTest, LimitsRoundTrip) {
  ProcessLimits l;
  l.max_seconds = 2.5;
  l.max_memory_bytes = 123456789;
  l.max_pixels = 42;
  l.max_ocr_pages = 3;
  l.ocr_dpi = 150;
  l.max_json_depth = 9;
  l.max_decompressed_bytes = 77;
  l.max_text_bytes = 88;
  l.max_columns = 5;
  const std::string json = LimitsToJson(l);
  EXPECT_EQ(
      json,
      R"({"max_seconds":2.5,"max_memory_bytes":123456789,"max_pixels":42,"max_ocr_pages":3,)"
      R"("ocr_dpi":150,"max_json_depth":9,"max_decompressed_bytes":77,"max_text_bytes":88,"max_columns":5})");
  Result<ProcessLimits> back = LimitsFromJson(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(LimitsToJson(*back), json);
  EXPECT_EQ(LimitsFromJson("{}")->max_json_depth, ProcessLimits().max_json_depth);
  EXPECT_EQ(LimitsFromJson(R"({"bogus":1})").status().message(), "limits: unknown field bogus");
  EXPECT_EQ(LimitsFromJson(R"({"max_seconds":0})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LimitsFromJson(R"({"max_pixels":-1})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LimitsFromJson("[").status().code(), StatusCode::kInvalidArgument);
}

TEST(WorkerProtocolTest, AnswersRoundTrip) {
  ProcessOutput out{"csv", "text/csv", R"({"type":"csv"})", "Summary \"quoted\".", "a,b\n\x01"};
  Result<ProcessOutput> back = DecodeWorkerAnswer(EncodeWorkerAnswer(out));
  ASSERT_TRUE(back.ok());
  ExpectSameOutput(*back, out);
  Result<ProcessOutput> err = DecodeWorkerAnswer(
      EncodeWorkerAnswer(Status(StatusCode::kPayloadTooLarge, "too big", "processing_limit")));
  EXPECT_EQ(err.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(err.status().reason(), "processing_limit");
  EXPECT_EQ(err.status().message(), "too big");
  EXPECT_EQ(DecodeWorkerAnswer("nonsense").status().reason(), "processing_crashed");
  EXPECT_EQ(DecodeWorkerAnswer(R"({"ok":false,"code":"ok","reason":"","message":""})").status().code(),
            StatusCode::kInternal);
}

TEST(IsolatedRunnerTest, GivesTheSameAnswerAsInProcess) {
  for (const char* f : {"basic.csv", "records.jsonl", "notes.txt", "utf16.csv"}) {
    Result<ProcessOutput> isolated = RunFixture(f);
    ASSERT_TRUE(isolated.ok()) << f << ": " << isolated.status().ToString();
    ExpectSameOutput(*isolated, testing::MustProcess(f));
  }
}

TEST(IsolatedRunnerTest, ReportsTheWorkersCleanErrors) {
  Result<ProcessOutput> deep = RunFixture("deep.json");
  EXPECT_EQ(deep.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(deep.status().reason(), "processing_limit");
  EXPECT_EQ(deep.status().message(), "the JSON document is nested deeper than 512 levels");
  Result<ProcessOutput> missing = RunIsolated(WorkerPath(), "/nonexistent/x.csv", "x.csv", ProcessLimits());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(IsolatedRunnerTest, KillsAWorkerThatOverrunsItsTime) {
  const std::string pid_file = testing::Scratch("sleeper.pid");
  const std::string worker = Script("sleeper.sh", "echo $$ > '" + pid_file + "'\nexec sleep 30");
  ProcessLimits limits;
  limits.max_seconds = 0.5;
  WorkerDiagnostics diag;
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessOutput> out = RunIsolated(worker, Fixture("basic.csv"), "basic.csv", limits, &diag);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(out.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(out.status().reason(), "processing_timeout");
  EXPECT_EQ(out.status().message(), "processing timed out after 0.5 s");
  EXPECT_TRUE(diag.timed_out);
  EXPECT_GE(elapsed, 0.5);
  EXPECT_LT(elapsed, 5.0);
  // The worker is gone (killed and reaped), not left running.
  int pid = 0;
  std::ifstream(pid_file) >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(IsolatedRunnerTest, TimesOutAWorkerThatClosedItsOutputButHangs) {
  const std::string worker = Script("closer.sh", "exec >&- 2>&-\nexec sleep 30");
  ProcessLimits limits;
  limits.max_seconds = 0.3;
  Result<ProcessOutput> out = RunIsolated(worker, Fixture("basic.csv"), "basic.csv", limits);
  EXPECT_EQ(out.status().message(), "processing timed out after 0.3 s");
}

TEST(IsolatedRunnerTest, CrashesGarbageAndMissingWorker) {
  Result<ProcessOutput> crash =
      RunIsolated(Script("segv.sh", "kill -SEGV $$"), Fixture("basic.csv"), "basic.csv", ProcessLimits());
  EXPECT_EQ(crash.status().code(), StatusCode::kInternal);
  EXPECT_EQ(crash.status().reason(), "processing_crashed");
  EXPECT_EQ(crash.status().message(), "processing failed: the worker crashed (signal 11)");
  Result<ProcessOutput> abort =
      RunIsolated(Script("abrt.sh", "kill -ABRT $$"), Fixture("basic.csv"), "basic.csv", ProcessLimits());
  EXPECT_EQ(abort.status().message(),
            "processing failed: the worker aborted (out of memory or a malformed file)");
  Result<ProcessOutput> garbage =
      RunIsolated(Script("garbage.sh", "echo hello"), Fixture("basic.csv"), "basic.csv", ProcessLimits());
  EXPECT_EQ(garbage.status().message(), "processing failed: the worker's answer was malformed");
  Result<ProcessOutput> status7 =
      RunIsolated(Script("exit7.sh", "exit 7"), Fixture("basic.csv"), "basic.csv", ProcessLimits());
  EXPECT_EQ(status7.status().message(), "processing failed: the worker exited with status 7");
  Result<ProcessOutput> missing =
      RunIsolated("/nonexistent/worker", Fixture("basic.csv"), "basic.csv", ProcessLimits());
  EXPECT_EQ(missing.status().code(), StatusCode::kInternal);
  EXPECT_EQ(missing.status().reason(), "worker_unavailable");
}

TEST(IsolatedRunnerTest, CapsTheAnswerSize) {
  ProcessLimits limits;
  limits.max_text_bytes = 1;  // Cap: 6 bytes + 32 MiB.
  const std::string worker = Script("flood.sh", "exec head -c 40000000 /dev/zero");
  Result<ProcessOutput> out = RunIsolated(worker, Fixture("basic.csv"), "basic.csv", limits);
  EXPECT_EQ(out.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(out.status().message(), "processing failed: the result exceeds its size limit");
}

TEST(IsolatedRunnerTest, MemoryLimitEndsInACleanError) {
  // One JSON Lines record of 48 MiB: the line buffer and simdjson's index need several times that.
  const std::string path =
      testing::WriteTemp("huge_line.jsonl", "[\"" + std::string(48 << 20, 'x') + "\"]\n");
  ProcessLimits limits;
  limits.max_memory_bytes = uint64_t{200} << 20;
  Result<ProcessOutput> out = RunIsolated(WorkerPath(), path, "huge_line.jsonl", limits);
  EXPECT_EQ(out.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(out.status().message(), "processing failed: the file exceeds the memory limit");
  // With room enough, the same file is analysed.
  limits.max_memory_bytes = uint64_t{2} << 30;
  Result<ProcessOutput> ok = RunIsolated(WorkerPath(), path, "huge_line.jsonl", limits);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_NE(ok->metadata_json.find(R"("record_count":1,"invalid_lines":0)"), std::string::npos);
}

TEST(IsolatedRunnerTest, RunsConcurrently) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([i, &ok] { ok[i] = RunFixture(i % 2 ? "basic.csv" : "object.json").ok(); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ok[i]) << i;
}

}  // namespace
}  // namespace filesd::process
