// Coordination of two server instances sharing one metadata store: two SqliteMetadataStore objects
// on one database file (as two processes would open it), one fake clock that the tests move. Each
// instance has its own lease, liveness view, analyzer and janitor; an instance "dies" by no longer
// renewing its lease, which then lapses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "analysis/isolated_analyzer.h"
#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "blob/memory_blob_store.h"
#include "cli/first_key.h"
#include "conformance/metadata_store_test_util.h"
#include "coord/claim_takeover.h"
#include "coord/instance_lease.h"
#include "coord/instance_liveness.h"
#include "coord/named_lease.h"
#include "upload/url_signing_secret.h"
#include "lifecycle/janitor_turn.h"
#include "meta/api_keys.h"
#include "meta/sqlite_metadata_store.h"
#include "race.h"
#include "upload/signing_secret.h"

namespace filesd {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kTtl = 30;

// filesd-worker: $FILESD_WORKER_PATH, else next to the build's filesd (tests/../filesd-worker).
std::string WorkerPath() {
  if (const char* env = std::getenv("FILESD_WORKER_PATH")) return env;
  return (fs::read_symlink("/proc/self/exe").parent_path() / ".." / "filesd-worker")
      .lexically_normal()
      .string();
}

using filesd::test_util::Race;

// One server instance: its own connection pool on the shared database, its lease and its view of
// the others' liveness.
struct Instance {
  std::unique_ptr<SqliteMetadataStore> meta;
  std::unique_ptr<InstanceLease> lease;
  std::unique_ptr<StoreInstanceLiveness> liveness;
};

class TwoInstancesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    a_ = Start();
    b_ = Start();
    ASSERT_NE(a_.lease, nullptr);
    ASSERT_NE(b_.lease, nullptr);
    META_ASSIGN_OR_FAIL(Project p, a_.meta->EnsureProject("p", clock_.NowSeconds()));
    project_id_ = p.id;
  }

  Instance Start() {
    Instance i;
    auto meta = SqliteMetadataStore::Open(dir_.path() + "/filesd.db");
    EXPECT_TRUE(meta.ok()) << meta.status().ToString();
    if (!meta.ok()) return i;
    i.meta = std::move(meta).value();
    auto lease = InstanceLease::Start(*i.meta, clock_, {.ttl_seconds = kTtl});
    EXPECT_TRUE(lease.ok()) << lease.status().ToString();
    if (lease.ok()) i.lease = std::move(lease).value();
    i.liveness = std::make_unique<StoreInstanceLiveness>(*i.meta, clock_);
    return i;
  }

  // Moves time by `seconds`, the live instances renewing their leases on the way (every ttl / 3).
  void Pass(int64_t seconds, std::vector<Instance*> renewing) {
    for (int64_t done = 0; done < seconds;) {
      const int64_t step = std::min<int64_t>(kTtl / 3, seconds - done);
      clock_.Advance(step);
      done += step;
      for (Instance* i : renewing) ASSERT_TRUE(i->lease->Renew().ok());
    }
  }

  bool Alive(Instance& viewer, const Instance& subject) {
    auto alive = viewer.liveness->IsAlive(subject.lease->id());
    EXPECT_TRUE(alive.ok()) << alive.status().ToString();
    return alive.ok() && *alive;
  }

  std::unique_ptr<IsolatedAnalyzer> AnalyzerOf(Instance& i) {
    IsolatedAnalyzerOptions o;
    o.worker_path = WorkerPath();
    o.spool_dir = dir_.path() + "/spool";
    o.instance_id = i.lease->id();
    o.liveness = i.liveness.get();
    return std::make_unique<IsolatedAnalyzer>(blobs_, *i.meta, clock_, nullptr, std::move(o));
  }

  // A committed CSV file (status uploaded), created through instance `i`.
  FileRecord NewCsvFile(Instance& i) {
    FileRecord f;
    f.id = NewUuidV4();
    f.project_id = project_id_;
    f.filename = "t.csv";
    f.purpose = "user_data";
    f.status = FileStatus::kUploaded;
    f.mime_type = "text/csv";
    f.blob_key = blob_keys::NewContentKey(f.id);
    auto w = blobs_.NewWriter(f.blob_key);
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->Append("name,n\na,1\nb,2\n").ok());
    auto info = (*w)->Commit();
    EXPECT_TRUE(info.ok());
    f.bytes = info->size_bytes;
    f.sha256 = info->sha256_hex;
    f.created_at = f.updated_at = clock_.NowSeconds();
    EXPECT_TRUE(i.meta->CreateFile(f).ok());
    return f;
  }

  FileStatus StatusOf(Instance& i, const FileRecord& f) {
    auto got = i.meta->GetFile(project_id_, f.id, clock_.NowSeconds());
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? got->status : FileStatus::kPending;
  }

  meta_test::ScratchDir dir_;
  FakeClock clock_;
  MemoryBlobStore blobs_;
  Instance a_;
  Instance b_;
  std::string project_id_;
};

TEST_F(TwoInstancesTest, EachSeesTheOtherAliveWhileItRenewsAndGoneForGoodOnceItStops) {
  EXPECT_NE(a_.lease->id(), b_.lease->id());
  EXPECT_TRUE(Alive(a_, b_));
  EXPECT_TRUE(Alive(b_, a_));
  Pass(5 * kTtl, {&a_, &b_});  // far beyond one TTL, both renewing
  EXPECT_TRUE(Alive(a_, b_));
  EXPECT_TRUE(Alive(b_, a_));

  Pass(kTtl, {&b_});  // a stops renewing (stalled or dead)
  EXPECT_FALSE(Alive(b_, a_));
  EXPECT_TRUE(Alive(a_, b_));
  // A stalled instance that wakes up cannot come back: its renewal is refused.
  Status renewed = a_.lease->Renew();
  EXPECT_EQ(renewed.code(), StatusCode::kConflict);
  EXPECT_EQ(renewed.reason(), "instance_lease_lapsed");
  EXPECT_FALSE(Alive(b_, a_));
}

TEST_F(TwoInstancesTest, ACleanStopEndsTheLeaseAtOnce) {
  META_ASSERT_OK(a_.lease->End());
  EXPECT_FALSE(Alive(b_, a_));
  EXPECT_TRUE(Alive(a_, b_));
}

TEST_F(TwoInstancesTest, ASoleInstanceStartEndsEveryOtherLease) {
  auto sole = InstanceLease::Start(*a_.meta, clock_, {.ttl_seconds = kTtl, .sole_instance = true});
  ASSERT_TRUE(sole.ok());
  EXPECT_FALSE(Alive(a_, a_));
  EXPECT_FALSE(Alive(a_, b_));
  EXPECT_TRUE(a_.liveness->IsAlive((*sole)->id()).value());
}

TEST_F(TwoInstancesTest, TheJanitorLeaseIsHeldByOneInstanceAtATime) {
  NamedLease lease_a(*a_.meta, clock_, kJanitorLeaseName, a_.lease->id(), 60);
  NamedLease lease_b(*b_.meta, clock_, kJanitorLeaseName, b_.lease->id(), 60);
  std::atomic<int> winners{0};
  Race(2, [&](int i) {
    auto got = (i == 0 ? lease_a : lease_b).TryAcquire();
    if (got.ok() && *got) ++winners;
  });
  EXPECT_EQ(winners.load(), 1);
  META_ASSERT_OK(lease_a.Release());
  META_ASSERT_OK(lease_b.Release());

  // While b holds it, a's janitor turn does nothing: the soft-deleted file stays.
  FileRecord f = NewCsvFile(a_);
  META_ASSERT_OK(a_.meta->SoftDeleteFile(project_id_, f.id, clock_.NowSeconds()));
  JanitorOptions opts;
  opts.deleted_retention_seconds = 0;
  Janitor janitor_a(blobs_, *a_.meta, clock_, opts);
  ASSERT_TRUE(lease_b.TryAcquire().value());
  META_ASSIGN_OR_FAIL(auto skipped, RunJanitorTurn(lease_a, janitor_a));
  EXPECT_FALSE(skipped.has_value());
  EXPECT_EQ(a_.meta->ListPurgeableFiles(clock_.NowSeconds(), clock_.NowSeconds(), 10)->size(), 1u);
  // b's turn ends (released): a's next turn runs, and frees the lease when done.
  META_ASSERT_OK(lease_b.Release());
  META_ASSIGN_OR_FAIL(auto ran, RunJanitorTurn(lease_a, janitor_a));
  ASSERT_TRUE(ran.has_value());
  EXPECT_EQ(ran->files_purged, 1u);
  EXPECT_TRUE(lease_b.TryAcquire().value());
  // A holder that dies without releasing holds the lease only until it expires.
  EXPECT_FALSE(lease_a.TryAcquire().value());
  clock_.Advance(60);
  EXPECT_TRUE(lease_a.TryAcquire().value());
}

TEST_F(TwoInstancesTest, IdempotencyClaimOfALiveInstanceIsKeptAndOfAGoneOneTakenOver) {
  auto claimed = a_.meta->ClaimIdempotencyKey(project_id_, "key-1", a_.lease->id(), std::nullopt,
                                              clock_.NowSeconds(), clock_.NowSeconds() - 86400);
  ASSERT_TRUE(claimed.ok());
  ASSERT_FALSE(claimed->has_value());
  auto seen = b_.meta->ClaimIdempotencyKey(project_id_, "key-1", b_.lease->id(), std::nullopt,
                                           clock_.NowSeconds(), clock_.NowSeconds() - 86400);
  ASSERT_TRUE(seen.ok() && seen->has_value());
  const IdempotencyRecord record = **seen;
  EXPECT_EQ(record.owner, a_.lease->id());

  // a lives (renewing, however long its request runs): b must not take the claim.
  Pass(3 * kTtl, {&a_, &b_});
  META_ASSIGN_OR_FAIL(bool taken_live,
                      TakeOverClaimOfGoneOwner(*b_.meta, b_.liveness.get(), record, b_.lease->id()));
  EXPECT_FALSE(taken_live);
  // a dies: once its lease lapses, b takes the claim over, and a can no longer answer it.
  Pass(kTtl, {&b_});
  META_ASSIGN_OR_FAIL(bool taken_gone,
                      TakeOverClaimOfGoneOwner(*b_.meta, b_.liveness.get(), record, b_.lease->id()));
  EXPECT_TRUE(taken_gone);
  EXPECT_EQ(a_.meta->AnswerIdempotencyKey(project_id_, "key-1", a_.lease->id(), "fp", 200, "{}")
                .code(),
            StatusCode::kConflict);
  META_EXPECT_OK(
      b_.meta->AnswerIdempotencyKey(project_id_, "key-1", b_.lease->id(), "fp", 200, "{}"));
  // The claim changed hands: taking it over again (a stale record) is refused.
  EXPECT_FALSE(
      TakeOverClaimOfGoneOwner(*b_.meta, b_.liveness.get(), record, b_.lease->id()).value());
}

TEST_F(TwoInstancesTest, AnalysesOfALiveInstanceAreLeftToItAndThoseOfAGoneOneRerun) {
  ASSERT_TRUE(fs::exists(WorkerPath())) << "build filesd-worker first: " << WorkerPath();
  // a is analysing f (its claim recorded, the worker still running).
  const FileRecord f = NewCsvFile(a_);
  FilePrecondition uploaded;
  uploaded.status = FileStatus::kUploaded;
  META_ASSERT_OK(
      a_.meta->ClaimAnalysis(project_id_, f.id, uploaded, a_.lease->id(), clock_.NowSeconds()));
  auto analyzer_b = AnalyzerOf(b_);

  META_ASSIGN_OR_FAIL(size_t none, analyzer_b->ResumeInterrupted());
  EXPECT_EQ(none, 0u);
  // Even after the stale time, a live owner keeps its analysis.
  Pass(200, {&a_, &b_});
  auto busy = analyzer_b->Analyze(a_.meta->GetFile(project_id_, f.id, clock_.NowSeconds()).value());
  ASSERT_TRUE(busy.ok()) << busy.status().ToString();
  EXPECT_EQ(busy->status, FileStatus::kProcessing);
  EXPECT_EQ(StatusOf(b_, f), FileStatus::kProcessing);

  // a dies mid-analysis: b runs it again, to the end.
  Pass(kTtl, {&b_});
  META_ASSIGN_OR_FAIL(size_t resumed, analyzer_b->ResumeInterrupted());
  EXPECT_EQ(resumed, 1u);
  EXPECT_EQ(StatusOf(b_, f), FileStatus::kProcessed);
  META_ASSIGN_OR_FAIL(size_t again, analyzer_b->ResumeInterrupted());
  EXPECT_EQ(again, 0u);
}

TEST_F(TwoInstancesTest, OnlyTheSpoolFilesOfGoneInstancesAreRemoved) {
  const std::string spool = dir_.path() + "/spool";
  fs::create_directories(spool);
  const std::string of_a = spool + "/spool-" + a_.lease->id() + "-abc123";
  const std::string of_b = spool + "/spool-" + b_.lease->id() + "-def456";
  const std::string older_layout = spool + "/spool-ghi789";
  for (const auto& p : {of_a, of_b, older_layout}) std::ofstream(p) << "content";

  auto analyzer_a = AnalyzerOf(a_);  // removes abandoned spools when made
  EXPECT_TRUE(fs::exists(of_a));
  EXPECT_TRUE(fs::exists(of_b));
  EXPECT_FALSE(fs::exists(older_layout));
  Pass(kTtl, {&a_});  // b dies
  EXPECT_EQ(analyzer_a->RemoveAbandonedSpools(), 1u);
  EXPECT_TRUE(fs::exists(of_a));
  EXPECT_FALSE(fs::exists(of_b));
}

TEST_F(TwoInstancesTest, InstancesStartingTogetherShareOneSigningSecret) {
  fs::create_directories(dir_.path() + "/a");
  fs::create_directories(dir_.path() + "/b");
  std::vector<std::string> got(2);
  Race(2, [&](int i) {
    Instance& self = i == 0 ? a_ : b_;
    auto s = ResolveUrlSigningSecret("", dir_.path() + (i == 0 ? "/a" : "/b"), *self.meta, clock_);
    got[i] = s.ok() ? *s : "<" + s.status().ToString() + ">";
  });
  EXPECT_EQ(got[0], got[1]);
  EXPECT_EQ(got[0].size(), 64u) << got[0];
  // Nothing is written to the data directories; a restart reads the same secret.
  EXPECT_TRUE(fs::is_empty(dir_.path() + "/a"));
  EXPECT_EQ(ResolveUrlSigningSecret("", dir_.path() + "/a", *a_.meta, clock_).value(), got[0]);
  // The operator's secret, then an existing <data-dir>/secret of an earlier version, come first.
  const std::string flag(40, 'f');
  EXPECT_EQ(ResolveUrlSigningSecret(flag, dir_.path() + "/a", *a_.meta, clock_).value(), flag);
  META_ASSIGN_OR_FAIL(std::string kept, LoadOrCreateSigningSecret(dir_.path() + "/b"));
  EXPECT_EQ(ResolveUrlSigningSecret("", dir_.path() + "/b", *b_.meta, clock_).value(), kept);
}

TEST_F(TwoInstancesTest, InstancesStartingTogetherMakeOneFirstKey) {
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    // A fresh database per round: the first key is made only into an empty store.
    meta_test::ScratchDir round_dir;
    auto m1 = SqliteMetadataStore::Open(round_dir.path() + "/filesd.db");
    auto m2 = SqliteMetadataStore::Open(round_dir.path() + "/filesd.db");
    ASSERT_TRUE(m1.ok() && m2.ok());
    std::vector<std::optional<std::string>> tokens(2);
    Race(2, [&](int i) {
      auto t = CreateFirstKeyForProject(i == 0 ? **m1 : **m2, clock_, "default");
      if (t.ok()) tokens[i] = *t;
    });
    EXPECT_EQ(tokens[0].has_value() + tokens[1].has_value(), 1) << "round " << round;
    EXPECT_EQ((*m1)->ListApiKeys().value().size(), 1u) << "round " << round;
  }
}

TEST_F(TwoInstancesTest, ServersStartingTogetherWriteOneInitialKeyFile) {
  if (::isatty(STDOUT_FILENO) == 1) GTEST_SKIP() << "stdout is a terminal: the key is printed";
  std::vector<ServeConfig> configs(2);
  for (int i = 0; i < 2; ++i) {
    configs[i].data_dir = dir_.path() + "/dd" + std::to_string(i);
    configs[i].host = "127.0.0.1";
    fs::create_directories(configs[i].data_dir);
  }
  std::vector<Status> results(2);
  Race(2, [&](int i) {
    results[i] = CreateFirstKeyIfNone(i == 0 ? *a_.meta : *b_.meta, clock_, configs[i], 8080);
  });
  META_EXPECT_OK(results[0]);
  META_EXPECT_OK(results[1]);
  int files = 0;
  for (const auto& c : configs) files += fs::exists(c.data_dir + "/" + kInitialApiKeyFile);
  EXPECT_EQ(files, 1);
  EXPECT_EQ(a_.meta->ListApiKeys().value().size(), 1u);
}

}  // namespace
}  // namespace filesd
