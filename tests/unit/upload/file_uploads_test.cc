// POST /v1/files as a flow, without HTTP: the file it creates, its refusals (nothing stored), and
// every store operation failing in turn (fault matrix).
#include "upload/file_uploads.h"

#include <gtest/gtest.h>

#include "base/crypto.h"
#include "unit/upload/fault_matrix.h"

namespace filesd {
namespace {

using fault_matrix::Flow;
using fault_matrix::RunFaultMatrix;
using fault_matrix::World;

// Admit, start, stream `chunks`, finish: what the multipart handler does.
Result<FileRecord> Upload(World& w, const std::vector<std::string>& chunks,
                          NewFileStart start = {"dir/report.csv", "text/plain", std::nullopt},
                          NewFileFields fields = {"user_data", std::nullopt}) {
  FileUploads uploads(w.deps());
  FILESD_ASSIGN_OR_RETURN(FileUploadTicket ticket, uploads.Admit(w.project_id(), 0));
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<NewFileSink> sink, uploads.StartFile(ticket, start));
  for (const std::string& c : chunks) FILESD_RETURN_IF_ERROR(sink->Append(c));
  return sink->Finish(fields);
}

std::string ContentOf(World& w, const FileRecord& f) {
  auto reader = w.raw_blobs().NewReader(f.blob_key);
  if (!reader.ok()) return "<" + reader.status().ToString() + ">";
  std::string out((*reader)->size_bytes(), '\0');
  auto n = (*reader)->ReadAt(0, std::span<char>(out));
  return n.ok() ? out.substr(0, *n) : "<read failed>";
}

void ExpectNothingStored(World& w) {
  auto usage = w.raw_meta().GetUsage(w.project_id(), w.clock().NowSeconds());
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->files, 0u);
  EXPECT_TRUE(w.raw_blobs().ListKeys().empty());
  auto intents = w.raw_meta().ListBlobIntents(w.clock().NowSeconds() + 1, 10);
  ASSERT_TRUE(intents.ok());
  EXPECT_TRUE(intents->empty());
}

TEST(FileUploadsTest, CreatesTheFileWithItsContentNameTypeAndDigest) {
  World w;
  auto f = Upload(w, {"a,b\n", "1,2\n"}, {"dir/report.csv", "text/plain", std::nullopt},
                  {"assistants", 3600});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->filename, "report.csv");  // the base name
  EXPECT_EQ(f->mime_type, "text/csv");   // from the extension
  EXPECT_EQ(f->purpose, "assistants");
  EXPECT_EQ(f->bytes, 8u);
  EXPECT_EQ(f->sha256, Sha256::HexOf("a,b\n1,2\n"));
  EXPECT_EQ(f->status, FileStatus::kUploaded);
  EXPECT_EQ(f->expires_at, w.clock().NowSeconds() + 3600);
  EXPECT_EQ(ContentOf(w, *f), "a,b\n1,2\n");
  auto stored = w.raw_meta().GetFile(w.project_id(), f->id, w.clock().NowSeconds());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->blob_key, f->blob_key);
}

TEST(FileUploadsTest, UsesThePartTypeWhenTheExtensionSaysNothingAndTheReservedId) {
  World w;
  const std::string id = NewUuidV4();
  auto f = Upload(w, {"x"}, {"blob", "image/png", id});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->id, id);
  EXPECT_EQ(f->mime_type, "image/png");
}

TEST(FileUploadsTest, RefusesOverTheSizeLimitAndLeavesNothing) {
  World w;
  w.deps().limits.max_file_bytes = 5;
  auto f = Upload(w, {"abc", "def"});
  EXPECT_EQ(f.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(f.status().reason(), "file_too_large");
  ExpectNothingStored(w);
}

TEST(FileUploadsTest, RefusesABadPurposeOrFilenameAndLeavesNothing) {
  World w;
  auto purpose = Upload(w, {"x"}, {"a.txt", "", std::nullopt}, {"nonsense", std::nullopt});
  EXPECT_EQ(purpose.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(purpose.status().param(), "purpose");
  auto name = Upload(w, {"x"}, {"dir/", "", std::nullopt});
  EXPECT_EQ(name.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(name.status().param(), "filename");
  ExpectNothingStored(w);
}

TEST(FileUploadsTest, QuotasRefuseFromTheHeaderAndWhileStreaming) {
  World w;
  ASSERT_TRUE(w.raw_meta().SetProjectQuota(w.project_id(), 10, std::nullopt).ok());
  FileUploads uploads(w.deps());
  EXPECT_EQ(uploads.Admit(w.project_id(), 11).status().code(), StatusCode::kResourceExhausted);
  auto streamed = Upload(w, {"0123456789", "x"});
  EXPECT_EQ(streamed.status().code(), StatusCode::kResourceExhausted);
  ExpectNothingStored(w);
  EXPECT_TRUE(Upload(w, {"0123456789"}).ok());
}

TEST(FileUploadsTest, AnAbandonedSinkLeavesNothing) {
  World w;
  FileUploads uploads(w.deps());
  auto ticket = uploads.Admit(w.project_id(), 0);
  ASSERT_TRUE(ticket.ok());
  auto sink = uploads.StartFile(*ticket, {"a.txt", "", std::nullopt});
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Append("hello").ok());
  (*sink)->Abandon();
  (*sink)->Abandon();  // idempotent
  sink->reset();
  ExpectNothingStored(w);
}

TEST(FileUploadsTest, FaultMatrix) {
  Flow flow;
  flow.run = [](World& w) { return Upload(w, {"a,b\n", "1,2\n"}).status(); };
  flow.check_success = [](World& w) {
    auto list = w.raw_meta().ListFiles(w.project_id(), ListFilesQuery{}, w.clock().NowSeconds());
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->files.size(), 1u);
    EXPECT_EQ(ContentOf(w, list->files[0]), "a,b\n1,2\n");
  };
  const fault_matrix::MatrixReport report = RunFaultMatrix(flow);
  EXPECT_GT(report.failed_runs, 5u);
}

// Every operation's effect happens but its reply is lost: a Commit that reported failure must still
// be deleted, and a CreateFile that committed must keep its blob.
TEST(FileUploadsTest, FaultMatrixWithLostReplies) {
  Flow flow;
  flow.run = [](World& w) { return Upload(w, {"a,b\n", "1,2\n"}).status(); };
  fault_matrix::MatrixOptions options;
  options.timing = FaultPlan::Timing::kAfter;
  EXPECT_GT(RunFaultMatrix(flow, options).failed_runs, 5u);
}

}  // namespace
}  // namespace filesd
