// FaultInjectingMetadataStore over the real SQLite store: every method is counted, a fault before
// the call changes nothing, a fault after it commits and reports failure, sticky faults fail
// readiness, and a plan shared with the blob store numbers both stores' operations on one sequence.
#include "meta/fault_injecting_metadata_store.h"

#include <gtest/gtest.h>

#include "blob/fault_injecting_blob_store.h"
#include "blob/memory_blob_store.h"
#include "conformance/metadata_store_test_util.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd {
namespace {

using meta_test::ScratchDir;

class FaultInjectingMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto base = SqliteMetadataStore::Open(dir_.path() + "/filesd.db");
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    base_ = std::move(base).value();
    store_ = std::make_unique<FaultInjectingMetadataStore>(base_.get());
  }

  ScratchDir dir_;
  std::unique_ptr<SqliteMetadataStore> base_;
  std::unique_ptr<FaultInjectingMetadataStore> store_;
};

TEST_F(FaultInjectingMetadataStoreTest, CountsReadsAndWritesAlike) {
  META_ASSERT_OK(store_->EnsureProject("p", 1));
  META_ASSERT_OK(store_->GetProjectByName("p"));
  META_ASSERT_OK(store_->RecordBlobIntent("content/a/b", 1));
  META_ASSERT_OK(store_->ListBlobIntents(10, 10));
  EXPECT_EQ(store_->plan().operation_count(), 4u);
  META_ASSERT_OK(store_->CheckReady());  // uncounted
  EXPECT_EQ(store_->plan().operation_count(), 4u);
}

TEST_F(FaultInjectingMetadataStoreTest, FaultBeforeTheCallChangesNothing) {
  store_->plan().FailNthOperation(2);
  META_ASSERT_OK(store_->RecordBlobIntent("content/a/1", 1));
  META_EXPECT_CODE(store_->RecordBlobIntent("content/a/2", 1), StatusCode::kUnavailable);
  META_ASSERT_OK(store_->RecordBlobIntent("content/a/3", 1));  // kOnce: later calls go through
  META_ASSIGN_OR_FAIL(std::vector<std::string> intents, base_->ListBlobIntents(10, 10));
  EXPECT_EQ(intents, (std::vector<std::string>{"content/a/1", "content/a/3"}));
  EXPECT_EQ(store_->plan().injected_failure_count(), 1u);
}

TEST_F(FaultInjectingMetadataStoreTest, FaultAfterTheCallCommitsAndLosesTheReply) {
  store_->plan().FailNthOperation(1, FaultPlan::Mode::kOnce, FaultPlan::Timing::kAfter);
  META_EXPECT_CODE(store_->RecordBlobIntent("content/a/1", 1), StatusCode::kUnavailable);
  META_ASSIGN_OR_FAIL(std::vector<std::string> intents, base_->ListBlobIntents(10, 10));
  EXPECT_EQ(intents, (std::vector<std::string>{"content/a/1"}));
}

TEST_F(FaultInjectingMetadataStoreTest, StickyFaultFailsEverythingAfterAndReadiness) {
  store_->plan().FailNthOperation(1, FaultPlan::Mode::kSticky);
  META_EXPECT_CODE(store_->ListProjects(), StatusCode::kUnavailable);
  META_EXPECT_CODE(store_->ListProjects(), StatusCode::kUnavailable);
  META_EXPECT_CODE(store_->CheckReady(), StatusCode::kUnavailable);
  store_->plan().Disarm();
  META_EXPECT_OK(store_->CheckReady());
}

TEST_F(FaultInjectingMetadataStoreTest, SharesOnePlanWithTheBlobStore) {
  MemoryBlobStore raw_blobs;
  FaultInjectingBlobStore blobs(&raw_blobs, store_->shared_plan());
  store_->plan().FailNthOperation(3);
  META_ASSERT_OK(store_->RecordBlobIntent("content/a/1", 1));                               // 1
  META_ASSIGN_OR_FAIL(std::unique_ptr<BlobWriter> writer, blobs.NewWriter("content/a/1"));  // 2
  META_EXPECT_CODE(writer->Append("x"), StatusCode::kUnavailable);                          // 3
  EXPECT_EQ(blobs.operation_count(), 3u);
  EXPECT_EQ(store_->plan().injected_failure_count(), 1u);
}

}  // namespace
}  // namespace filesd
