// The coordination clauses of the MetadataStore contract (metadata_store.h, "coordination of
// instances sharing this store"): instance leases, named leases, shared settings, the first API
// key and analysis owners. Part of the conformance suite (metadata_store_conformance.h).
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "conformance/metadata_store_conformance.h"
#include "race.h"

namespace filesd::conformance {
namespace {

using StatusCode::kConflict;
using StatusCode::kNotFound;
constexpr int64_t kNow = 1'700'000'000;

std::vector<std::string> FileIds(const std::vector<MetadataStore::AbandonedAnalysis>& list) {
  std::vector<std::string> ids;
  for (const auto& a : list) ids.push_back(a.file_id);
  return ids;
}

ApiKeyRecord KeyRecord(const std::string& project_id, const std::string& key_id) {
  ApiKeyRecord k;
  k.key_id = key_id;
  k.project_id = project_id;
  k.secret_hash = std::string(64, 'a');
  k.created_at = kNow;
  return k;
}

using filesd::test_util::Race;

}  // namespace

TEST_P(MetadataStoreConformanceTest, InstanceRegistersOnceAndReportsItsLease) {
  META_EXPECT_OK(store().RegisterInstance("i1", kNow, kNow + 30));
  META_EXPECT_CODE(store().RegisterInstance("i1", kNow + 1, kNow + 31), kConflict);
  META_ASSIGN_OR_FAIL(auto lease, store().GetInstanceLease("i1"));
  EXPECT_EQ(lease, std::optional<int64_t>(kNow + 30));
  META_ASSIGN_OR_FAIL(auto unknown, store().GetInstanceLease("nobody"));
  EXPECT_FALSE(unknown.has_value());
}

TEST_P(MetadataStoreConformanceTest, RenewExtendsALiveLeaseButNeverRevivesALapsedOne) {
  META_ASSERT_OK(store().RegisterInstance("i1", kNow, kNow + 30));
  META_EXPECT_OK(store().RenewInstance("i1", kNow + 10, kNow + 40));
  EXPECT_EQ(store().GetInstanceLease("i1").value(), std::optional<int64_t>(kNow + 40));
  // Never shortened.
  META_EXPECT_OK(store().RenewInstance("i1", kNow + 11, kNow + 35));
  EXPECT_EQ(store().GetInstanceLease("i1").value(), std::optional<int64_t>(kNow + 40));
  // At the expiry the lease has lapsed: the instance is gone for good.
  META_EXPECT_CODE(store().RenewInstance("i1", kNow + 40, kNow + 70), kConflict);
  EXPECT_EQ(store().GetInstanceLease("i1").value(), std::optional<int64_t>(kNow + 40));
  META_EXPECT_CODE(store().RenewInstance("nobody", kNow, kNow + 30), kNotFound);
}

TEST_P(MetadataStoreConformanceTest, EndInstanceEndsTheLeaseAtNowAndIsIdempotent) {
  META_ASSERT_OK(store().RegisterInstance("i1", kNow, kNow + 30));
  META_EXPECT_OK(store().EndInstance("i1", kNow + 5));
  EXPECT_EQ(store().GetInstanceLease("i1").value(), std::optional<int64_t>(kNow + 5));
  META_EXPECT_CODE(store().RenewInstance("i1", kNow + 6, kNow + 36), kConflict);
  META_EXPECT_OK(store().EndInstance("i1", kNow + 9));  // an ended lease is not moved later
  EXPECT_EQ(store().GetInstanceLease("i1").value(), std::optional<int64_t>(kNow + 5));
  META_EXPECT_OK(store().EndInstance("nobody", kNow));
}

TEST_P(MetadataStoreConformanceTest, EndOtherInstancesSparesTheCaller) {
  META_ASSERT_OK(store().RegisterInstance("me", kNow, kNow + 30));
  META_ASSERT_OK(store().RegisterInstance("other", kNow, kNow + 30));
  META_ASSERT_OK(store().RegisterInstance("ended", kNow - 100, kNow - 50));
  META_EXPECT_OK(store().EndOtherInstances("me", kNow + 1));
  EXPECT_EQ(store().GetInstanceLease("me").value(), std::optional<int64_t>(kNow + 30));
  EXPECT_EQ(store().GetInstanceLease("other").value(), std::optional<int64_t>(kNow + 1));
  EXPECT_EQ(store().GetInstanceLease("ended").value(), std::optional<int64_t>(kNow - 50));
  META_EXPECT_OK(store().RenewInstance("me", kNow + 2, kNow + 32));
}

TEST_P(MetadataStoreConformanceTest, PurgeInstancesRemovesOnlyLongEndedOnes) {
  META_ASSERT_OK(store().RegisterInstance("old1", kNow - 300, kNow - 200));
  META_ASSERT_OK(store().RegisterInstance("old2", kNow - 300, kNow - 100));
  META_ASSERT_OK(store().RegisterInstance("live", kNow, kNow + 30));
  META_ASSIGN_OR_FAIL(size_t one, store().PurgeInstances(kNow - 100, 1));
  EXPECT_EQ(one, 1u);
  EXPECT_FALSE(store().GetInstanceLease("old1").value().has_value());  // the oldest first
  META_ASSIGN_OR_FAIL(size_t rest, store().PurgeInstances(kNow - 100, 10));
  EXPECT_EQ(rest, 1u);
  EXPECT_FALSE(store().GetInstanceLease("old2").value().has_value());
  EXPECT_TRUE(store().GetInstanceLease("live").value().has_value());
}

TEST_P(MetadataStoreConformanceTest, LeaseIsHeldByOneHolderUntilReleasedOrExpired) {
  META_ASSIGN_OR_FAIL(bool a, store().TryAcquireLease("janitor", "a", kNow, kNow + 60));
  EXPECT_TRUE(a);
  META_ASSIGN_OR_FAIL(bool b, store().TryAcquireLease("janitor", "b", kNow + 1, kNow + 61));
  EXPECT_FALSE(b);
  // Another name is another lease.
  EXPECT_TRUE(store().TryAcquireLease("other", "b", kNow + 1, kNow + 61).value());
  // The holder renews; someone else's release does nothing.
  EXPECT_TRUE(store().TryAcquireLease("janitor", "a", kNow + 30, kNow + 90).value());
  META_EXPECT_OK(store().ReleaseLease("janitor", "b"));
  EXPECT_FALSE(store().TryAcquireLease("janitor", "b", kNow + 89, kNow + 149).value());
  // Expired: free for anyone.
  EXPECT_TRUE(store().TryAcquireLease("janitor", "b", kNow + 90, kNow + 150).value());
  EXPECT_FALSE(store().TryAcquireLease("janitor", "a", kNow + 91, kNow + 151).value());
  // Released: free at once; releasing again is fine.
  META_EXPECT_OK(store().ReleaseLease("janitor", "b"));
  META_EXPECT_OK(store().ReleaseLease("janitor", "b"));
  EXPECT_TRUE(store().TryAcquireLease("janitor", "a", kNow + 92, kNow + 152).value());
}

TEST_P(MetadataStoreConformanceTest, OfRacingLeaseTakersExactlyOneWins) {
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::atomic<int> errors{0};
  Race(kThreads, [&](int i) {
    auto got = store().TryAcquireLease("janitor", "holder-" + std::to_string(i), kNow, kNow + 60);
    if (!got.ok()) ++errors;
    if (got.ok() && *got) ++winners;
  });
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(MetadataStoreConformanceTest, SettingKeepsItsFirstValue) {
  META_ASSIGN_OR_FAIL(std::string first, store().GetOrCreateSetting("s", "one", kNow));
  EXPECT_EQ(first, "one");
  META_ASSIGN_OR_FAIL(std::string second, store().GetOrCreateSetting("s", "two", kNow + 1));
  EXPECT_EQ(second, "one");
  EXPECT_EQ(store().GetOrCreateSetting("t", "two", kNow).value(), "two");
}

TEST_P(MetadataStoreConformanceTest, OfRacingSettingCreatorsOneValueWinsForAll) {
  constexpr int kThreads = 8;
  std::vector<std::string> got(kThreads);
  Race(kThreads, [&](int i) {
    auto v = store().GetOrCreateSetting("secret", "value-" + std::to_string(i), kNow);
    got[i] = v.ok() ? *v : "<" + v.status().ToString() + ">";
  });
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 1u) << got[0];
  EXPECT_EQ(got[0].rfind("value-", 0), 0u) << got[0];
}

TEST_P(MetadataStoreConformanceTest, FirstApiKeyIsInsertedOnlyIntoAnEmptyStore) {
  META_ASSIGN_OR_FAIL(bool first, store().InsertFirstApiKey(KeyRecord(alpha().id, "k1")));
  EXPECT_TRUE(first);
  META_ASSIGN_OR_FAIL(bool second, store().InsertFirstApiKey(KeyRecord(alpha().id, "k2")));
  EXPECT_FALSE(second);
  META_EXPECT_CODE(store().GetApiKey("k2"), kNotFound);
  // A revoked key still counts: the store is not empty.
  META_ASSERT_OK(store().RevokeApiKey("k1", kNow));
  EXPECT_FALSE(store().InsertFirstApiKey(KeyRecord(beta().id, "k3")).value());
  EXPECT_EQ(store().ListApiKeys().value().size(), 1u);
}

TEST_P(MetadataStoreConformanceTest, OfRacingFirstKeysExactlyOneIsInserted) {
  constexpr int kThreads = 8;
  std::atomic<int> inserted{0};
  Race(kThreads, [&](int i) {
    auto r = store().InsertFirstApiKey(KeyRecord(alpha().id, "k" + std::to_string(i)));
    if (r.ok() && *r) ++inserted;
  });
  EXPECT_EQ(inserted.load(), 1);
  EXPECT_EQ(store().ListApiKeys().value().size(), 1u);
}

TEST_P(MetadataStoreConformanceTest, ClaimAnalysisMovesTheFileToProcessingUnderItsPrecondition) {
  FileRecord f = NewFile(alpha().id, Id(1), kNow);
  f.status_details = "an earlier failure";
  Create(f);
  FilePrecondition wrong;
  wrong.status = FileStatus::kUploaded;
  wrong.blob_key = "content/other";
  META_EXPECT_CODE(store().ClaimAnalysis(alpha().id, f.id, wrong, "i1", kNow + 5), kConflict);
  META_EXPECT_CODE(store().ClaimAnalysis(beta().id, f.id, {}, "i1", kNow + 5), kNotFound);
  META_EXPECT_CODE(store().ClaimAnalysis(alpha().id, Id(9), {}, "i1", kNow + 5), kNotFound);

  FilePrecondition expect;
  expect.status = FileStatus::kUploaded;
  expect.blob_key = f.blob_key;
  expect.bytes = f.bytes;
  META_ASSERT_OK(store().ClaimAnalysis(alpha().id, f.id, expect, "i1", kNow + 5));
  META_ASSIGN_OR_FAIL(FileRecord got, store().GetFile(alpha().id, f.id, kNow + 5));
  EXPECT_EQ(got.status, FileStatus::kProcessing);
  EXPECT_EQ(got.updated_at, kNow + 5);
  EXPECT_FALSE(got.status_details.has_value());
  EXPECT_EQ(got.blob_key, f.blob_key);
  EXPECT_EQ(got.bytes, f.bytes);
  // Claimed once: a second claim from uploaded fails.
  META_EXPECT_CODE(store().ClaimAnalysis(alpha().id, f.id, expect, "i2", kNow + 6), kConflict);
}

TEST_P(MetadataStoreConformanceTest, AbandonedAnalysesAreThoseWhoseOwnerIsGone) {
  META_ASSERT_OK(store().RegisterInstance("live", kNow, kNow + 30));
  META_ASSERT_OK(store().RegisterInstance("lapsed", kNow - 60, kNow - 1));
  FilePrecondition uploaded;
  uploaded.status = FileStatus::kUploaded;
  for (int i = 1; i <= 6; ++i) Create(NewFile(alpha().id, Id(i), kNow));
  META_ASSERT_OK(store().ClaimAnalysis(alpha().id, Id(1), uploaded, "live", kNow + 4));
  META_ASSERT_OK(store().ClaimAnalysis(alpha().id, Id(2), uploaded, "lapsed", kNow + 3));
  META_ASSERT_OK(store().ClaimAnalysis(alpha().id, Id(3), uploaded, "never-registered", kNow + 2));
  // Claimed before owners were recorded (a plain update).
  FileRecord legacy = NewFile(alpha().id, Id(4), kNow);
  legacy.status = FileStatus::kProcessing;
  legacy.updated_at = kNow + 1;
  META_ASSERT_OK(store().UpdateFile(legacy, uploaded, kNow + 1));
  // Invisible (deleted) files are the janitor's, not the analyzer's.
  META_ASSERT_OK(store().ClaimAnalysis(alpha().id, Id(5), uploaded, "lapsed", kNow));
  META_ASSERT_OK(store().SoftDeleteFile(alpha().id, Id(5), kNow + 1));
  // Id(6) stays uploaded.

  META_ASSIGN_OR_FAIL(auto abandoned, store().ListAbandonedAnalyses(kNow + 10, 10));
  EXPECT_EQ(FileIds(abandoned), (std::vector<std::string>{Id(4), Id(3), Id(2)}));
  EXPECT_EQ(abandoned[0].project_id, alpha().id);
  EXPECT_EQ(FileIds(store().ListAbandonedAnalyses(kNow + 10, 2).value()),
            (std::vector<std::string>{Id(4), Id(3)}));

  // Taken over by the live instance: no longer abandoned. An analysis whose owner lives is not.
  FilePrecondition processing;
  processing.status = FileStatus::kProcessing;
  META_EXPECT_CODE(store().ClaimAnalysis(alpha().id, Id(1), processing, "other", kNow + 11),
                   kConflict);
  META_ASSERT_OK(store().RegisterInstance("rival", kNow, kNow + 30));
  META_ASSERT_OK(store().ClaimAnalysis(alpha().id, Id(2), processing, "live", kNow + 11));
  EXPECT_EQ(FileIds(store().ListAbandonedAnalyses(kNow + 11, 10).value()),
            (std::vector<std::string>{Id(4), Id(3)}));
  // Of two instances taking over one abandoned analysis, the second finds a live owner.
  META_EXPECT_CODE(store().ClaimAnalysis(alpha().id, Id(2), processing, "rival", kNow + 12),
                   kConflict);
  // Once the live one's lease lapses, its analyses are abandoned too.
  EXPECT_EQ(store().ListAbandonedAnalyses(kNow + 30, 10).value().size(), 4u);
  // Purging a file removes its owner row with it.
  META_EXPECT_OK(store().PurgeFile(Id(1)));
  EXPECT_EQ(store().ListAbandonedAnalyses(kNow + 30, 10).value().size(), 3u);
}

}  // namespace filesd::conformance
