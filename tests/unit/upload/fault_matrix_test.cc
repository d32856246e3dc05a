// The fault matrix itself: it passes a flow that is crash-consistent, and it catches the two
// defects it exists for (a leaked blob, a half-done row visible), so a flow test built on it can
// fail.
#include "unit/upload/fault_matrix.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "upload/blob_ingest.h"

namespace filesd::fault_matrix {
namespace {

FileRecord NewRow(World& w, const std::string& id) {
  FileRecord f;
  f.id = id;
  f.project_id = w.project_id();
  f.filename = "a.txt";
  f.purpose = "user_data";
  f.status = FileStatus::kUploaded;
  f.mime_type = "text/plain";
  f.created_at = f.updated_at = w.clock().NowSeconds();
  return f;
}

// The right way (BlobIngest, then one transaction adopting the blob).
Status IngestThenCreate(World& w) {
  const std::string id = NewUuidV4();
  FILESD_ASSIGN_OR_RETURN(auto ingest, BlobIngest::Start(w.deps(), blob_keys::NewContentKey(id)));
  FILESD_RETURN_IF_ERROR(ingest->Append("hello "));
  FILESD_RETURN_IF_ERROR(ingest->Append("world"));
  FILESD_ASSIGN_OR_RETURN(BlobInfo blob, ingest->Commit());
  FileRecord f = NewRow(w, id);
  f.bytes = blob.size_bytes;
  f.sha256 = blob.sha256_hex;
  f.blob_key = ingest->blob_key();
  FILESD_RETURN_IF_ERROR(w.deps().meta->CreateFile(f));
  ingest->Adopted();
  return Status::Ok();
}

// Writes the blob without an intent: a failure of CreateFile leaks it for good.
Status WriteWithoutIntent(World& w) {
  const std::string id = NewUuidV4();
  const std::string key = blob_keys::NewContentKey(id);
  FILESD_ASSIGN_OR_RETURN(auto writer, w.deps().blobs->NewWriter(key));
  FILESD_RETURN_IF_ERROR(writer->Append("hello"));
  FILESD_ASSIGN_OR_RETURN(BlobInfo blob, writer->Commit());
  FileRecord f = NewRow(w, id);
  f.bytes = blob.size_bytes;
  f.blob_key = key;
  return w.deps().meta->CreateFile(f);
}

// Makes the row visible before its content exists.
Status RowFirst(World& w) {
  const std::string id = NewUuidV4();
  FileRecord f = NewRow(w, id);
  f.bytes = 5;
  f.blob_key = blob_keys::NewContentKey(id);
  FILESD_RETURN_IF_ERROR(w.deps().meta->CreateFile(f));
  FILESD_ASSIGN_OR_RETURN(auto writer, w.deps().blobs->NewWriter(f.blob_key));
  FILESD_RETURN_IF_ERROR(writer->Append("hello"));
  return writer->Commit().status();
}

// Runs the matrix, capturing its gtest failures instead of failing this test; returns their texts.
std::vector<std::string> MatrixFailures(const Flow& flow) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    (void)RunFaultMatrix(flow);
  }
  std::vector<std::string> texts;
  for (int i = 0; i < results.size(); ++i) texts.push_back(results.GetTestPartResult(i).message());
  return texts;
}

bool AnyContains(const std::vector<std::string>& texts, const std::string& needle) {
  for (const std::string& t : texts) {
    if (t.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(FaultMatrix, PassesACrashConsistentFlowFailingEveryOperationOnce) {
  Flow flow;
  flow.run = IngestThenCreate;
  flow.check_success = [](World& w) {
    auto usage = w.raw_meta().GetUsage(w.project_id(), w.clock().NowSeconds());
    ASSERT_TRUE(usage.ok());
    EXPECT_EQ(usage->files, 1u);
    EXPECT_EQ(usage->bytes, 11u);
  };
  const MatrixReport report = RunFaultMatrix(flow);
  // RecordBlobIntent, NewWriter, 2 Append, Commit, CreateFile: each failed once, then success.
  EXPECT_EQ(report.operations, 6u);
  EXPECT_EQ(report.failed_runs, 6u);
  EXPECT_EQ(report.recovered_runs, 0u);
}

TEST(FaultMatrix, CountsBlobAndMetadataOperationsOnOneSequence) {
  World w;
  w.plan().Disarm();
  ASSERT_TRUE(IngestThenCreate(w).ok());
  EXPECT_EQ(w.plan().operation_count(), 6u);
  w.plan().FailNthOperation(6);  // the 6th is CreateFile, a metadata call
  EXPECT_EQ(IngestThenCreate(w).code(), StatusCode::kUnavailable);
  EXPECT_EQ(w.plan().injected_failure_count(), 1u);
}

TEST(FaultMatrix, CatchesABlobLeakedWithoutIntent) {
  Flow flow;
  flow.run = WriteWithoutIntent;
  EXPECT_TRUE(AnyContains(MatrixFailures(flow), "blob without a row after the janitor"));
}

TEST(FaultMatrix, CatchesAHalfDoneRowVisible) {
  Flow flow;
  flow.run = RowFirst;
  EXPECT_TRUE(AnyContains(MatrixFailures(flow), "a failed run changed what clients see"));
}

TEST(FaultMatrix, CatchesAFailureTheFlowSwallowed) {
  Flow flow;
  flow.run = [](World& w) {
    (void)IngestThenCreate(w);  // any failure ignored: the flow claims success without a file
    return Status::Ok();
  };
  flow.check_success = [](World& w) {
    auto usage = w.raw_meta().GetUsage(w.project_id(), w.clock().NowSeconds());
    ASSERT_TRUE(usage.ok());
    EXPECT_EQ(usage->files, 1u) << "the file of a successful run is missing";
  };
  EXPECT_TRUE(AnyContains(MatrixFailures(flow), "the file of a successful run is missing"));
}

}  // namespace
}  // namespace filesd::fault_matrix
