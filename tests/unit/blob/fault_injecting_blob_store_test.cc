#include "blob/fault_injecting_blob_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "blob/memory_blob_store.h"

namespace filesd {
namespace {

using Mode = FaultInjectingBlobStore::Mode;
using Timing = FaultInjectingBlobStore::Timing;

struct Op {
  std::string name;
  Status status;
};

// Base content every scenario starts from.
void Seed(MemoryBlobStore& base) {
  for (const char* key : {"k/existing", "k/old"}) {
    auto writer = base.NewWriter(key);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("seed").ok());
    ASSERT_TRUE((*writer)->Commit().ok());
  }
}

// One of each counted operation, 8 in all when nothing fails. Like real callers, the writer and the
// reader are given up at their first failure; independent operations go on.
std::vector<Op> RunScenario(BlobStore& store) {
  std::vector<Op> ops;
  auto record = [&ops](const char* name, Status status) {
    ops.push_back(Op{name, std::move(status)});
    return ops.back().status.ok();
  };
  if (auto writer = store.NewWriter("k/new"); record("NewWriter", writer.status())) {
    (void)(record("Append", (*writer)->Append("ab")) && record("Append", (*writer)->Append("c")) &&
           record("Commit", (*writer)->Commit().status()));
  }
  (void)record("Stat", store.Stat("k/existing").status());
  if (auto reader = store.NewReader("k/existing"); record("NewReader", reader.status())) {
    char buf[8];
    (void)record("ReadAt", (*reader)->ReadAt(0, std::span<char>(buf)).status());
  }
  (void)record("Delete", store.Delete("k/old"));
  return ops;
}

std::vector<std::string> Names(const std::vector<Op>& ops) {
  std::vector<std::string> names;
  for (const Op& op : ops) names.push_back(op.name);
  return names;
}

TEST(FaultInjectingBlobStoreTest, PassesEverythingThroughWhenNotArmed) {
  MemoryBlobStore base;
  Seed(base);
  FaultInjectingBlobStore faulty(&base);
  const std::vector<Op> ops = RunScenario(faulty);
  EXPECT_EQ(Names(ops), (std::vector<std::string>{"NewWriter", "Append", "Append", "Commit", "Stat",
                                                  "NewReader", "ReadAt", "Delete"}));
  for (const Op& op : ops) EXPECT_TRUE(op.status.ok()) << op.name << ": " << op.status.ToString();
  EXPECT_EQ(faulty.operation_count(), 8u);
  EXPECT_EQ(faulty.injected_failure_count(), 0u);
  EXPECT_EQ(base.ListKeys(), (std::vector<std::string>{"k/existing", "k/new"}));
  EXPECT_TRUE(faulty.CheckReady().ok());
}

TEST(FaultInjectingBlobStoreTest, FailsExactlyTheNthOperationBeforeItHappens) {
  const std::vector<std::string> all = {"NewWriter", "Append",    "Append", "Commit",
                                        "Stat",      "NewReader", "ReadAt", "Delete"};
  for (uint64_t n = 1; n <= all.size(); ++n) {
    SCOPED_TRACE(::testing::Message() << "n = " << n);
    MemoryBlobStore base;
    Seed(base);
    FaultInjectingBlobStore faulty(&base);
    faulty.FailNthOperation(n);
    const std::vector<Op> ops = RunScenario(faulty);
    ASSERT_GE(ops.size(), n);
    for (size_t i = 0; i < ops.size(); ++i) {
      if (i + 1 == n) {
        EXPECT_EQ(ops[i].name, all[n - 1]);
        EXPECT_EQ(ops[i].status.code(), StatusCode::kUnavailable);
        EXPECT_EQ(ops[i].status.message(), FaultInjectingBlobStore::kInjectedMessage);
      } else {
        EXPECT_TRUE(ops[i].status.ok()) << "op " << i + 1 << " " << ops[i].name;
      }
    }
    EXPECT_EQ(faulty.injected_failure_count(), 1u);
    EXPECT_EQ(faulty.operation_count(), ops.size());
    // The failed operation had no effect, and a writer given up leaves nothing.
    const std::vector<std::string> keys = base.ListKeys();
    const bool has_new = std::find(keys.begin(), keys.end(), "k/new") != keys.end();
    const bool has_old = std::find(keys.begin(), keys.end(), "k/old") != keys.end();
    EXPECT_EQ(has_new, n > 4);
    EXPECT_EQ(has_old, n == 8);
    EXPECT_EQ(base.live_writer_count(), 0u);
  }
}

TEST(FaultInjectingBlobStoreTest, AfterTimingLetsTheEffectHappenButReportsFailure) {
  {
    MemoryBlobStore base;
    Seed(base);
    FaultInjectingBlobStore faulty(&base);
    faulty.FailNthOperation(4, Mode::kOnce, Timing::kAfter);  // Commit: stored, reply lost.
    const std::vector<Op> ops = RunScenario(faulty);
    EXPECT_EQ(ops[3].name, "Commit");
    EXPECT_EQ(ops[3].status.code(), StatusCode::kUnavailable);
    auto stat = base.Stat("k/new");
    ASSERT_TRUE(stat.ok());
    EXPECT_EQ(stat->size_bytes, 3u);
  }
  {
    MemoryBlobStore base;
    Seed(base);
    FaultInjectingBlobStore faulty(&base);
    faulty.FailNthOperation(8, Mode::kOnce, Timing::kAfter);  // Delete: done, reply lost.
    const std::vector<Op> ops = RunScenario(faulty);
    EXPECT_EQ(ops[7].status.code(), StatusCode::kUnavailable);
    EXPECT_EQ(base.Stat("k/old").status().code(), StatusCode::kNotFound);
  }
  {
    MemoryBlobStore base;
    Seed(base);
    FaultInjectingBlobStore faulty(&base);
    faulty.FailNthOperation(1, Mode::kOnce, Timing::kAfter);  // NewWriter: made, then dropped.
    const std::vector<Op> ops = RunScenario(faulty);
    EXPECT_EQ(ops[0].status.code(), StatusCode::kUnavailable);
    EXPECT_EQ(base.live_writer_count(), 0u);
    EXPECT_EQ(base.Stat("k/new").status().code(), StatusCode::kNotFound);
  }
}

TEST(FaultInjectingBlobStoreTest, StickyModeFailsEverythingFromTheNthOn) {
  MemoryBlobStore base;
  Seed(base);
  FaultInjectingBlobStore faulty(&base);
  faulty.FailNthOperation(3, Mode::kSticky);
  EXPECT_TRUE(faulty.CheckReady().ok()) << "nothing has failed yet";
  const std::vector<Op> ops = RunScenario(faulty);
  // NewWriter, Append, Append (fails: the writer is given up), Stat, NewReader, Delete.
  EXPECT_EQ(Names(ops), (std::vector<std::string>{"NewWriter", "Append", "Append", "Stat",
                                                  "NewReader", "Delete"}));
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].status.ok(), i < 2) << "op " << i + 1 << " " << ops[i].name;
  }
  EXPECT_EQ(faulty.injected_failure_count(), 4u);
  EXPECT_EQ(faulty.CheckReady().code(), StatusCode::kUnavailable);

  faulty.Disarm();
  EXPECT_TRUE(faulty.CheckReady().ok());
  for (const Op& op : RunScenario(faulty)) EXPECT_TRUE(op.status.ok()) << op.name;
}

TEST(FaultInjectingBlobStoreTest, IsDeterministic) {
  auto failing_op = [](uint64_t n) {
    MemoryBlobStore base;
    Seed(base);
    FaultInjectingBlobStore faulty(&base);
    faulty.FailNthOperation(n);
    std::string failed;
    for (const Op& op : RunScenario(faulty)) {
      if (!op.status.ok()) failed += op.name + ";";
    }
    return failed;
  };
  for (uint64_t n = 1; n <= 8; ++n) {
    const std::string first = failing_op(n);
    EXPECT_FALSE(first.empty());
    EXPECT_EQ(failing_op(n), first);
  }
  EXPECT_EQ(failing_op(9), "") << "there is no 9th operation";
}

TEST(FaultInjectingBlobStoreTest, CountsExactlyUnderConcurrency) {
  MemoryBlobStore base;
  Seed(base);
  FaultInjectingBlobStore faulty(&base);
  faulty.FailNthOperation(150);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (!faulty.Stat("k/existing").ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 1);
  EXPECT_EQ(faulty.operation_count(), 400u);
}

TEST(FaultInjectingBlobStoreTest, UncountedCallsPassThrough) {
  MemoryBlobStore base;
  FaultInjectingBlobStore faulty(&base);
  faulty.FailNthOperation(1);
  auto removed = faulty.RemoveAbandonedWrites();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0u);
  EXPECT_TRUE(faulty.CheckReady().ok());
  EXPECT_EQ(faulty.operation_count(), 0u);
  // Invalid keys still get the wrapped store's answer when not failed.
  faulty.Disarm();
  EXPECT_EQ(faulty.NewWriter("../x").status().code(), StatusCode::kInvalidArgument);
}

// Over a store without the ability, the fault store offers none either: ComposeBlobs() copies, and
// each read and write it makes is an operation that can fail.
TEST(FaultInjectingBlobStoreTest, ComposeWithoutTheAbilityCountsEachCopyStep) {
  class NoCompose final : public MemoryBlobStore {
   public:
    ComposableBlobs* composable() override { return nullptr; }
  } base;
  Seed(base);
  FaultInjectingBlobStore store(&base);
  EXPECT_EQ(store.composable(), nullptr);
  auto info = ComposeBlobs(store, "k/dest", {"k/existing", "k/old"});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  // NewWriter, then NewReader + ReadAt + Append per source, then Commit.
  EXPECT_EQ(store.operation_count(), 8u);
  for (uint64_t n = 1; n <= 8; ++n) {
    store.FailNthOperation(n);
    EXPECT_FALSE(ComposeBlobs(store, "k/failed", {"k/existing", "k/old"}).ok()) << n;
    EXPECT_EQ(base.Stat("k/failed").status().code(), StatusCode::kNotFound) << n;
    EXPECT_EQ(base.live_writer_count(), 0u) << n;
  }
}

}  // namespace
}  // namespace filesd
