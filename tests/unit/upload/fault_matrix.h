// The fault matrix: runs one upload flow for n = 1, 2, ... with the n-th store operation (blob or
// metadata, one shared count: base/fault_plan.h) failing, until a run succeeds without a fault.
// After each failed run it asserts (gtest, non-fatal, traced with n):
//  - the flow reported the failure (kUnavailable unless told otherwise);
//  - nothing half-done is visible: the project's visible files (rows, and each one's content) and
//    whatever Flow::observe reports are exactly as before the run, and its usage is unchanged
//    (with Timing::kAfter, a lost reply, the operation's effect happened, so only: no visible file
//    lacks its content);
//  - no blob writer was left open;
//  - nothing leaks: after one janitor pass with the clock moved past every grace, no blob intent is
//    left and every blob in the store belongs to a row (a file's content or text, a part, a
//    segment).
// The run that succeeds must pass Flow::check_success and the same leak check.
//
// Each n runs in a fresh World (so Flow::setup's state and clock are the same every time): a real
// SQLite metadata store in a scratch directory and the memory blob store, each wrapped in a
// fault-injecting store sharing one plan, on a fake clock. Setup runs unarmed and uncounted.
// Header-only; single-threaded flows give deterministic counts.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "analysis/file_analyzer.h"
#include "base/clock.h"
#include "base/fault_plan.h"
#include "blob/fault_injecting_blob_store.h"
#include "blob/memory_blob_store.h"
#include "conformance/metadata_store_test_util.h"
#include "lifecycle/janitor.h"
#include "meta/fault_injecting_metadata_store.h"
#include "meta/sqlite_metadata_store.h"
#include "upload/upload_deps.h"

namespace filesd::fault_matrix {

// What a flow runs against. deps() hands out the fault-injecting stores; the raw_* accessors bypass
// the faults (for setup and for checks).
class World {
 public:
  World() {
    auto meta = SqliteMetadataStore::Open(db_path_);
    if (!meta.ok()) {
      ADD_FAILURE() << "cannot open the metadata store: " << meta.status().ToString();
      return;
    }
    raw_meta_ = std::move(meta).value();
    meta_ = std::make_unique<FaultInjectingMetadataStore>(raw_meta_.get(), plan_);
    auto project = raw_meta_->EnsureProject("p", clock_.NowSeconds());
    if (!project.ok()) {
      ADD_FAILURE() << "cannot create the project: " << project.status().ToString();
      return;
    }
    project_id_ = project->id;
    deps_ = UploadDeps{&blobs_, meta_.get(), &clock_, &no_analysis_, nullptr, UploadLimits{}};
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // What the flow under test is given; tests may change the analyzer, signer or limits in setup.
  UploadDeps& deps() { return deps_; }
  FaultPlan& plan() { return *plan_; }
  FakeClock& clock() { return clock_; }
  const std::string& project_id() const { return project_id_; }
  MemoryBlobStore& raw_blobs() { return raw_blobs_; }
  MetadataStore& raw_meta() { return *raw_meta_; }
  const std::string& db_path() const { return db_path_; }

 private:
  meta_test::ScratchDir dir_;
  std::string db_path_ = dir_.path() + "/filesd.db";
  std::shared_ptr<FaultPlan> plan_ = std::make_shared<FaultPlan>();
  MemoryBlobStore raw_blobs_;
  FaultInjectingBlobStore blobs_{&raw_blobs_, plan_};
  std::unique_ptr<SqliteMetadataStore> raw_meta_;
  std::unique_ptr<FaultInjectingMetadataStore> meta_;
  FakeClock clock_;
  NoAnalysis no_analysis_;
  std::string project_id_;
  UploadDeps deps_;
};

struct Flow {
  // Builds the state the flow starts from, unarmed (may be empty). gtest assertions allowed.
  std::function<void(World&)> setup;
  // The flow under test, with the n-th store operation failing. Returns the flow's status.
  std::function<Status(World&)> run;
  // Optional: more of what a client could see (e.g. an open session's content), compared before and
  // after a failed run.
  std::function<std::string(World&)> observe;
  // Optional: checks after the run that succeeded (gtest assertions).
  std::function<void(World&)> check_success;
};

struct MatrixOptions {
  FaultPlan::Timing timing = FaultPlan::Timing::kBefore;
  // The code a failed run must report; nullopt accepts any error.
  std::optional<StatusCode> failure_code = StatusCode::kUnavailable;
  uint64_t max_operations = 100000;  // a flow that never succeeds is a failure
};

struct MatrixReport {
  uint64_t failed_runs = 0;     // runs that reported the injected failure
  uint64_t recovered_runs = 0;  // runs that succeeded although an operation failed
  uint64_t operations = 0;      // store operations of the run that succeeded unharmed
};

// ---- checks, usable on their own ----

// The project's visible files as text (one line per row, with a digest of the content), its usage,
// and flow.observe's text: equal before and after a failed run.
inline std::string VisibleState(World& w, const Flow& flow) {
  std::string out;
  const int64_t now = w.clock().NowSeconds();
  ListFilesQuery q;
  q.limit = 1000;
  auto files = w.raw_meta().ListFiles(w.project_id(), q, now);
  if (!files.ok()) return "ListFiles failed: " + files.status().ToString();
  for (const FileRecord& f : files->files) {
    out += f.id + " " + std::string(FileStatusName(f.status)) +
           " bytes=" + std::to_string(f.bytes) + " sha=" + f.sha256.value_or("-") +
           " key=" + f.blob_key + " name=" + f.filename + " purpose=" + f.purpose +
           " expires=" + (f.expires_at ? std::to_string(*f.expires_at) : "-") +
           " meta=" + f.metadata_json.value_or("-") + " content=";
    if (!f.blob_key.empty()) {
      auto info = w.raw_blobs().Stat(f.blob_key);
      out += info.ok() ? std::to_string(info->size_bytes) + ":" + info->sha256_hex : "MISSING";
    }
    out += "\n";
  }
  auto usage = w.raw_meta().GetUsage(w.project_id(), now);
  out += usage.ok() ? "usage " + std::to_string(usage->bytes) + " bytes " +
                          std::to_string(usage->files) + " files\n"
                    : "GetUsage failed: " + usage.status().ToString() + "\n";
  if (flow.observe) out += "observed: " + flow.observe(w) + "\n";
  return out;
}

// Every blob key a row refers to (read with SQL straight from the database, since no store method
// lists rows that are not visible): file contents, extracted texts, parts, and segments if the
// schema has them.
inline std::set<std::string> ReferencedBlobKeys(World& w) {
  std::set<std::string> keys;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(w.db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << w.db_path();
    sqlite3_close(db);
    return keys;
  }
  std::string sql =
      "SELECT blob_key FROM files WHERE blob_key != '' UNION ALL SELECT 'text/' || id FROM files "
      "UNION ALL SELECT blob_key FROM upload_parts";
  auto has_table = [db](const char* name) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st,
                       nullptr);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    const bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
  };
  if (has_table("upload_segments")) sql += " UNION ALL SELECT blob_key FROM upload_segments";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot list referenced keys: " << sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(st) == SQLITE_ROW) {
      keys.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return keys;
}

// Runs the janitor (unfaulted) with the clock moved past every grace, then expects no intent left
// and no blob without a row.
inline void ExpectNothingLeaks(World& w) {
  EXPECT_EQ(w.raw_blobs().live_writer_count(), 0u) << "a blob writer was left open";
  JanitorOptions options;
  w.clock().Advance(std::max({options.orphan_grace_seconds, options.pending_grace_seconds,
                              options.deleted_retention_seconds}) +
                    1);
  Janitor janitor(w.raw_blobs(), w.raw_meta(), w.clock(), options);
  auto report = janitor.RunOnce();
  ASSERT_TRUE(report.ok()) << "janitor: " << report.status().ToString();
  auto intents = w.raw_meta().ListBlobIntents(std::numeric_limits<int64_t>::max(), 1000);
  ASSERT_TRUE(intents.ok()) << intents.status().ToString();
  EXPECT_TRUE(intents->empty()) << "blob intent left after the janitor: " << intents->front();
  const std::set<std::string> referenced = ReferencedBlobKeys(w);
  for (const std::string& key : w.raw_blobs().ListKeys()) {
    EXPECT_TRUE(referenced.count(key)) << "blob without a row after the janitor: " << key;
  }
}

// ---- the matrix ----

inline MatrixReport RunFaultMatrix(const Flow& flow, const MatrixOptions& options = {}) {
  MatrixReport report;
  for (uint64_t n = 1; n <= options.max_operations; ++n) {
    SCOPED_TRACE("store operation " + std::to_string(n) + " fails");
    World w;
    if (flow.setup) flow.setup(w);
    if (::testing::Test::HasFatalFailure()) return report;
    const std::string before = VisibleState(w, flow);
    w.plan().FailNthOperation(n, FaultPlan::Mode::kOnce, options.timing);
    const Status status = flow.run(w);
    const uint64_t injected = w.plan().injected_failure_count();
    const uint64_t operations = w.plan().operation_count();
    w.plan().Disarm();
    if (status.ok()) {
      if (flow.check_success) flow.check_success(w);
      ExpectNothingLeaks(w);
      if (injected == 0) {
        report.operations = operations;
        return report;
      }
      ++report.recovered_runs;
      continue;
    }
    ++report.failed_runs;
    EXPECT_EQ(injected, 1u) << "the flow failed (" << status.ToString()
                            << ") without an injected fault, or counted past it";
    if (options.failure_code) {
      EXPECT_EQ(status.code(), *options.failure_code) << status.ToString();
    }
    const std::string after = VisibleState(w, flow);
    if (options.timing == FaultPlan::Timing::kBefore) {
      EXPECT_EQ(after, before) << "a failed run changed what clients see";
    } else {
      // A lost reply: the operation's effect happened, so the run may have completed; but no
      // visible file may lack its content.
      EXPECT_EQ(after.find("MISSING"), std::string::npos) << "a visible file lost its content";
    }
    ExpectNothingLeaks(w);
    if (::testing::Test::HasFailure()) return report;  // one failing n says enough
  }
  ADD_FAILURE() << "the flow never succeeded within " << options.max_operations << " operations";
  return report;
}

}  // namespace filesd::fault_matrix
