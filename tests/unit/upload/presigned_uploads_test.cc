// The pre-signed flow without HTTP: upload URL, signed PUT, confirm (with an analyzer that records
// its outcome as the real one does), its refusals, the wait for an analysis another request runs,
// racing PUTs, and every store operation of each step failing in turn (fault matrix).
#include "upload/presigned_uploads.h"

#include <gtest/gtest.h>

#include "analysis/file_analyzer.h"
#include "base/crypto.h"
#include "unit/upload/fault_matrix.h"
#include "upload/hmac_url_signer.h"

namespace filesd {
namespace {

using fault_matrix::Flow;
using fault_matrix::RunFaultMatrix;
using fault_matrix::World;

const std::string kCsv = "a,b\n1,2\n";

// Records the analysis as the isolated analyzer does: one conditional update to processed, with
// metadata of type `type` ("binary" for an unsupported file).
class RecordingAnalyzer final : public FileAnalyzer {
 public:
  RecordingAnalyzer(MetadataStore** meta, Clock* clock) : meta_(meta), clock_(clock) {}
  std::string type = "csv";
  int calls = 0;

  Result<FileRecord> Analyze(const FileRecord& file) override {
    ++calls;
    FileRecord done = file;
    done.status = FileStatus::kProcessed;
    done.metadata_json = R"({"type":")" + type + R"("})";
    done.processing_summary = "a table";
    done.processed_at = clock_->NowSeconds();
    FilePrecondition expect;
    expect.status = file.status;
    FILESD_RETURN_IF_ERROR((*meta_)->UpdateFile(done, expect, clock_->NowSeconds()));
    return done;
  }

 private:
  MetadataStore** const meta_;  // the store the flow under test uses (faults included)
  Clock* const clock_;
};

// Wires a signer and the recording analyzer into a world.
struct Fixture {
  explicit Fixture(World& w) : analyzer(&w.deps().meta, &w.clock()) {
    auto s = HmacUrlSigner::Create(std::string(32, 'k'));
    EXPECT_TRUE(s.ok());
    signer = std::move(s).value();
    w.deps().url_signer = signer.get();
    w.deps().analyzer = &analyzer;
  }
  std::unique_ptr<HmacUrlSigner> signer;
  RecordingAnalyzer analyzer;
};

Result<UploadUrl> NewUrl(World& w, std::optional<uint64_t> size = std::nullopt,
                         std::string filename = "data.csv") {
  UploadUrlRequest r;
  r.project_id = w.project_id();
  r.filename = std::move(filename);
  r.file_size = size;
  return PresignedUploads(w.deps()).CreateUploadUrl(r);
}

Result<SignedPutResult> Put(World& w, const UploadUrl& url, const std::vector<std::string>& chunks,
                            std::optional<uint64_t> content_length = std::nullopt) {
  SignedPutRequest r{url.signed_target, content_length, "text/csv"};
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<SignedPutSink> sink,
                          PresignedUploads(w.deps()).StartSignedPut(r));
  for (const std::string& c : chunks) {
    if (Status s = sink->Append(c); !s.ok()) {
      sink->Abandon();
      return s;
    }
  }
  return sink->Finish();
}

Result<FileRecord> Confirm(World& w, const std::string& file_id, uint64_t size,
                           ConfirmWait wait = {}) {
  ConfirmRequest r;
  r.project_id = w.project_id();
  r.file_id = file_id;
  r.file_size = size;
  return PresignedUploads(w.deps(), std::move(wait)).Confirm(r);
}

FileRecord Row(World& w, const std::string& id) {
  auto f = w.raw_meta().GetFile(w.project_id(), id, w.clock().NowSeconds());
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? *f : FileRecord{};
}

TEST(PresignedUploadsTest, UrlPutConfirmEndToEnd) {
  World w;
  Fixture fx(w);
  auto url = NewUrl(w, kCsv.size());
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(Row(w, url->file_id).status, FileStatus::kPending);
  EXPECT_EQ(url->expires_at, w.clock().NowSeconds() + w.deps().limits.upload_url_ttl_seconds);
  auto put = Put(w, *url, {"a,b\n", "1,2\n"}, kCsv.size());
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->bytes, kCsv.size());
  EXPECT_EQ(put->sha256, Sha256::HexOf(kCsv));
  EXPECT_EQ(put->storage_path, url->storage_path);
  auto done = Confirm(w, url->file_id, kCsv.size());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, FileStatus::kProcessed);
  EXPECT_EQ(AnalyzedType(*done), "csv");
  // Confirming again answers the same without analysing twice.
  ASSERT_TRUE(Confirm(w, url->file_id, kCsv.size()).ok());
  EXPECT_EQ(fx.analyzer.calls, 1);
}

TEST(PresignedUploadsTest, UploadUrlRefusals) {
  World w;
  Fixture fx(w);
  w.deps().limits.max_file_bytes = 10;
  auto big = NewUrl(w, 11);
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(big.status().reason(), kReasonFileTooLarge);
  EXPECT_EQ(NewUrl(w, std::nullopt, "a/b").status().param(), "filename");
  UploadUrlRequest r;
  r.project_id = w.project_id();
  r.filename = "a.csv";
  r.content_type = "not a type";
  EXPECT_EQ(PresignedUploads(w.deps()).CreateUploadUrl(r).status().param(), "content_type");
  r.content_type.reset();
  r.purpose = "x";
  EXPECT_EQ(PresignedUploads(w.deps()).CreateUploadUrl(r).status().param(), "purpose");
  auto usage = w.raw_meta().GetUsage(w.project_id(), w.clock().NowSeconds());
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->files, 0u);
}

TEST(PresignedUploadsTest, PutRefusesWhatTheUrlDoesNotGrant) {
  World w;
  Fixture fx(w);
  auto url = NewUrl(w, kCsv.size());
  ASSERT_TRUE(url.ok());
  UploadUrl forged = *url;
  forged.signed_target.back() = forged.signed_target.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(Put(w, forged, {kCsv}).status().reason(), kReasonInvalidSignature);
  EXPECT_EQ(Put(w, *url, {kCsv}, kCsv.size() + 1).status().reason(), "size_mismatch");
  EXPECT_EQ(Put(w, *url, {kCsv, "x"}).status().reason(), "size_mismatch");  // found streaming
  EXPECT_EQ(Put(w, *url, {"a"}).status().reason(), "size_mismatch");        // found at the end
  w.clock().Advance(w.deps().limits.upload_url_ttl_seconds + 1);
  EXPECT_EQ(Put(w, *url, {kCsv}).status().reason(), kReasonUrlExpired);
  EXPECT_EQ(Row(w, url->file_id).status, FileStatus::kPending);
  EXPECT_TRUE(w.raw_blobs().ListKeys().empty());
}

TEST(PresignedUploadsTest, OfTwoRacingPutsOneWinsTheOtherLeavesNothing) {
  World w;
  Fixture fx(w);
  auto url = NewUrl(w);
  ASSERT_TRUE(url.ok());
  PresignedUploads flow(w.deps());
  auto first = flow.StartSignedPut({url->signed_target, std::nullopt, ""});
  auto second = flow.StartSignedPut({url->signed_target, std::nullopt, ""});
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE((*first)->Append("one").ok());
  ASSERT_TRUE((*second)->Append("two").ok());
  ASSERT_TRUE((*second)->Finish().ok());
  auto lost = (*first)->Finish();
  EXPECT_EQ(lost.status().reason(), "upload_already_completed");
  EXPECT_EQ(w.raw_blobs().ListKeys(), std::vector<std::string>{Row(w, url->file_id).blob_key});
  EXPECT_EQ(Put(w, *url, {"three"}).status().code(), StatusCode::kConflict);
}

TEST(PresignedUploadsTest, ConfirmRefusals) {
  World w;
  Fixture fx(w);
  EXPECT_EQ(Confirm(w, "not-a-uuid", 1).status().reason(), kReasonFileNotInStorage);
  EXPECT_EQ(Confirm(w, NewUuidV4(), 1).status().reason(), kReasonFileNotInStorage);
  auto url = NewUrl(w);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(Confirm(w, url->file_id, 0).status().reason(), kReasonFileNotInStorage);  // no PUT yet
  ASSERT_TRUE(Put(w, *url, {kCsv}).ok());
  EXPECT_EQ(Confirm(w, url->file_id, kCsv.size() + 1).status().reason(), kReasonFileSizeMismatch);
  ConfirmRequest r;
  r.project_id = w.project_id();
  r.file_id = url->file_id;
  r.file_size = kCsv.size();
  r.sha256 = std::string(64, '0');
  EXPECT_EQ(PresignedUploads(w.deps()).Confirm(r).status().reason(), kReasonChecksumMismatch);
  r.sha256 = Sha256::HexOf(kCsv);
  for (char& c : *r.sha256) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(PresignedUploads(w.deps()).Confirm(r).ok());  // any case
}

TEST(PresignedUploadsTest, AnUnsupportedTypeIsRefusedAndTheRefusalRecorded) {
  World w;
  Fixture fx(w);
  fx.analyzer.type = "binary";
  auto url = NewUrl(w);
  ASSERT_TRUE(url.ok());
  ASSERT_TRUE(Put(w, *url, {kCsv}).ok());
  auto refused = Confirm(w, url->file_id, kCsv.size());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().reason(), kReasonInvalidFileType);
  const FileRecord row = Row(w, url->file_id);
  EXPECT_EQ(row.status, FileStatus::kError);
  EXPECT_EQ(*row.status_details, "Invalid file type: " + refused.status().message());
  EXPECT_FALSE(row.metadata_json.has_value());
  auto again = Confirm(w, url->file_id, kCsv.size());
  EXPECT_EQ(again.status().reason(), kReasonInvalidFileType);
  EXPECT_EQ(again.status().message(), refused.status().message());
  EXPECT_EQ(fx.analyzer.calls, 1);
}

TEST(PresignedUploadsTest, AFileOverALoweredLimitIsRefusedBeforeAnalysis) {
  World w;
  Fixture fx(w);
  auto url = NewUrl(w);
  ASSERT_TRUE(url.ok());
  ASSERT_TRUE(Put(w, *url, {kCsv}).ok());
  w.deps().limits.max_file_bytes = 3;
  auto refused = Confirm(w, url->file_id, kCsv.size());
  EXPECT_EQ(refused.status().reason(), kReasonFileTooLarge);
  EXPECT_EQ(*Row(w, url->file_id).status_details, "File too large: " + refused.status().message());
  EXPECT_EQ(fx.analyzer.calls, 0);
}

TEST(PresignedUploadsTest, ConfirmWaitsForTheAnalysisAnotherRequestRuns) {
  World w;
  Fixture fx(w);
  auto url = NewUrl(w);
  ASSERT_TRUE(url.ok());
  ASSERT_TRUE(Put(w, *url, {kCsv}).ok());
  // Another request has started analysing: the row is processing and this one's analyzer (at
  // most once per file) hands it back as it is.
  FileRecord processing = Row(w, url->file_id);
  processing.status = FileStatus::kProcessing;
  ASSERT_TRUE(w.raw_meta().UpdateFile(processing, {}, w.clock().NowSeconds()).ok());
  class Busy final : public FileAnalyzer {
   public:
    Result<FileRecord> Analyze(const FileRecord& f) override { return f; }
  } busy;
  w.deps().analyzer = &busy;
  int polls = 0;
  ConfirmWait wait;
  wait.sleep = [&](std::chrono::milliseconds) {
    if (++polls == 3) {  // the other request finishes while this one waits
      FileRecord done = Row(w, url->file_id);
      done.status = FileStatus::kProcessed;
      done.metadata_json = R"({"type":"csv"})";
      ASSERT_TRUE(w.raw_meta().UpdateFile(done, {}, w.clock().NowSeconds()).ok());
    }
  };
  auto done = Confirm(w, url->file_id, kCsv.size(), wait);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, FileStatus::kProcessed);
  EXPECT_EQ(polls, 3);
  // A wait that runs out answers 409 file_processing.
  processing = Row(w, url->file_id);
  processing.status = FileStatus::kProcessing;
  ASSERT_TRUE(w.raw_meta().UpdateFile(processing, {}, w.clock().NowSeconds()).ok());
  wait.sleep = [](std::chrono::milliseconds) {};
  EXPECT_EQ(Confirm(w, url->file_id, kCsv.size(), wait).status().reason(), kReasonFileProcessing);
}

TEST(PresignedUploadsTest, AFailedAnalysisAnswersProcessingFailedWithTheFilesDetails) {
  World w;
  Fixture fx(w);
  auto url = NewUrl(w);
  ASSERT_TRUE(url.ok());
  ASSERT_TRUE(Put(w, *url, {kCsv}).ok());
  class Crashing final : public FileAnalyzer {
   public:
    explicit Crashing(MetadataStore* meta) : meta_(meta) {}
    Result<FileRecord> Analyze(const FileRecord& f) override {
      FileRecord failed = f;
      failed.status = FileStatus::kError;
      failed.status_details = "the analysis crashed";
      FILESD_RETURN_IF_ERROR(meta_->UpdateFile(failed, {}, f.updated_at));
      return failed;
    }
    MetadataStore* meta_;
  } crashing(&w.raw_meta());
  w.deps().analyzer = &crashing;
  auto failed = Confirm(w, url->file_id, kCsv.size());
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  EXPECT_EQ(failed.status().reason(), kReasonProcessingFailed);
  EXPECT_EQ(failed.status().message(), "the analysis crashed");
}

// ---- fault matrices: each step with its predecessors as setup ----

TEST(PresignedUploadsTest, FaultMatrixCreateUploadUrl) {
  std::shared_ptr<Fixture> fx;
  Flow flow;
  flow.setup = [&](World& w) { fx = std::make_shared<Fixture>(w); };
  flow.run = [](World& w) { return NewUrl(w, kCsv.size()).status(); };
  EXPECT_GT(RunFaultMatrix(flow).failed_runs, 0u);
  fault_matrix::MatrixOptions lost_replies;
  lost_replies.timing = FaultPlan::Timing::kAfter;
  EXPECT_GT(RunFaultMatrix(flow, lost_replies).failed_runs, 0u);
}

TEST(PresignedUploadsTest, FaultMatrixSignedPut) {
  std::shared_ptr<Fixture> fx;
  std::optional<UploadUrl> url;
  Flow flow;
  flow.setup = [&](World& w) {
    fx = std::make_shared<Fixture>(w);
    auto u = NewUrl(w, kCsv.size());
    ASSERT_TRUE(u.ok());
    url = *u;
  };
  flow.run = [&](World& w) { return Put(w, *url, {"a,b\n", "1,2\n"}, kCsv.size()).status(); };
  flow.check_success = [&](World& w) {
    EXPECT_EQ(Row(w, url->file_id).status, FileStatus::kUploaded);
  };
  EXPECT_GT(RunFaultMatrix(flow).failed_runs, 5u);
  fault_matrix::MatrixOptions lost_replies;
  lost_replies.timing = FaultPlan::Timing::kAfter;
  EXPECT_GT(RunFaultMatrix(flow, lost_replies).failed_runs, 5u);
}

TEST(PresignedUploadsTest, FaultMatrixConfirm) {
  std::shared_ptr<Fixture> fx;
  std::optional<UploadUrl> url;
  Flow flow;
  flow.setup = [&](World& w) {
    fx = std::make_shared<Fixture>(w);
    auto u = NewUrl(w);
    ASSERT_TRUE(u.ok());
    ASSERT_TRUE(Put(w, *u, {kCsv}).ok());
    url = *u;
  };
  flow.run = [&](World& w) {
    ConfirmRequest r;
    r.project_id = w.project_id();
    r.file_id = url->file_id;
    r.file_size = kCsv.size();
    // Without expires_after: with it, the expiry is written in its own update before the analysis,
    // so a failure of the analysis's write leaves the new expiry (the matrix finds it; a retry
    // converges). See ConfirmWithExpiryIsRetrySafe.
    return PresignedUploads(w.deps()).Confirm(r).status();
  };
  flow.check_success = [&](World& w) {
    EXPECT_EQ(Row(w, url->file_id).status, FileStatus::kProcessed);
  };
  EXPECT_EQ(RunFaultMatrix(flow).failed_runs, 2u);  // GetFile, the analysis's UpdateFile
  fault_matrix::MatrixOptions lost_replies;
  lost_replies.timing = FaultPlan::Timing::kAfter;
  EXPECT_EQ(RunFaultMatrix(flow, lost_replies).failed_runs, 2u);
}

// What the matrix finds with expires_after: when the analysis's write fails after the expiry's, the
// expiry stays changed though the answer was an error. The same request again converges.
TEST(PresignedUploadsTest, ConfirmWithExpiryIsRetrySafe) {
  World w;
  Fixture fx(w);
  auto url = NewUrl(w);
  ASSERT_TRUE(url.ok());
  ASSERT_TRUE(Put(w, *url, {kCsv}).ok());
  ConfirmRequest r;
  r.project_id = w.project_id();
  r.file_id = url->file_id;
  r.file_size = kCsv.size();
  r.expires_after_seconds = 7200;
  // GetFile, UpdateFile (expiry), UpdateFile (the analysis): the third fails.
  w.plan().FailNthOperation(3);
  EXPECT_EQ(PresignedUploads(w.deps()).Confirm(r).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Row(w, url->file_id).status, FileStatus::kUploaded);
  EXPECT_EQ(Row(w, url->file_id).expires_at, w.clock().NowSeconds() + 7200);
  w.plan().Disarm();
  auto done = PresignedUploads(w.deps()).Confirm(r);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, FileStatus::kProcessed);
  EXPECT_EQ(done->expires_at, w.clock().NowSeconds() + 7200);
}

}  // namespace
}  // namespace filesd
