// IsolatedAnalyzer (analysis/isolated_analyzer.h) over a memory blob store (so the content is spooled to a
// temporary file), a real SQLite metadata store and the real filesd-worker: the state changes of one
// analysis, the stored text, at-most-once analysis, and what happens when the worker is missing.
#include "analysis/isolated_analyzer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>

#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "blob/memory_blob_store.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCsv = "id,name\n1,apple\n2,pear\n";

// filesd-worker: $FILESD_WORKER_PATH, else next to the build's filesd (tests/../filesd-worker).
std::string WorkerPath() {
  if (const char* env = std::getenv("FILESD_WORKER_PATH")) return env;
  return (fs::read_symlink("/proc/self/exe").parent_path() / ".." / "filesd-worker")
      .lexically_normal()
      .string();
}

std::string ReadAll(BlobStore& blobs, const std::string& key) {
  auto reader = blobs.NewReader(key);
  if (!reader.ok()) return "<" + reader.status().ToString() + ">";
  std::string out((*reader)->size_bytes(), '\0');
  auto n = (*reader)->ReadAt(0, std::span<char>(out.data(), out.size()));
  EXPECT_TRUE(n.ok());
  return out;
}

class IsolatedAnalyzerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "filesd-analyzer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    auto meta = SqliteMetadataStore::Open(dir_ + "/filesd.db");
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    meta_ = std::move(meta).value();
    auto project = meta_->EnsureProject("p", clock_.NowSeconds());
    ASSERT_TRUE(project.ok());
    project_id_ = project->id;
    ASSERT_TRUE(fs::exists(WorkerPath())) << "build filesd-worker first: " << WorkerPath();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<IsolatedAnalyzer> Analyzer(std::string worker = "") {
    IsolatedAnalyzerOptions o;
    o.worker_path = worker.empty() ? WorkerPath() : worker;
    o.spool_dir = spool_dir();
    return std::make_unique<IsolatedAnalyzer>(blobs_, *meta_, clock_, nullptr, std::move(o));
  }

  // A committed file row (status uploaded) holding `content`.
  FileRecord NewFile(std::string_view content, const std::string& filename) {
    FileRecord f;
    f.id = NewUuidV4();
    f.project_id = project_id_;
    f.filename = filename;
    f.purpose = "user_data";
    f.status = FileStatus::kUploaded;
    f.mime_type = "application/octet-stream";
    f.blob_key = blob_keys::NewContentKey(f.id);
    auto w = blobs_.NewWriter(f.blob_key);
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->Append(content).ok());
    auto info = (*w)->Commit();
    EXPECT_TRUE(info.ok());
    f.bytes = info->size_bytes;
    f.sha256 = info->sha256_hex;
    f.created_at = f.updated_at = clock_.NowSeconds();
    EXPECT_TRUE(meta_->CreateFile(f).ok());
    return f;
  }

  FileRecord Stored(const FileRecord& f) {
    auto got = meta_->GetFile(project_id_, f.id, clock_.NowSeconds());
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : FileRecord();
  }

  std::string spool_dir() const { return dir_ + "/spool"; }
  bool SpoolIsEmpty() const { return fs::is_empty(spool_dir()); }

  std::string dir_;
  FakeClock clock_;
  MemoryBlobStore blobs_;
  std::unique_ptr<SqliteMetadataStore> meta_;
  std::string project_id_;
};

TEST_F(IsolatedAnalyzerTest, ProcessesRecordsAndStoresTheTextOnce) {
  auto analyzer = Analyzer();
  const FileRecord f = NewFile(kCsv, "fruit.csv");
  clock_.Advance(5);
  auto done = analyzer->Analyze(f);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, FileStatus::kProcessed);
  EXPECT_EQ(done->mime_type, "text/csv");
  ASSERT_TRUE(done->metadata_json.has_value());
  EXPECT_NE(done->metadata_json->find("\"type\":\"csv\""), std::string::npos) << *done->metadata_json;
  EXPECT_NE(done->metadata_json->find("\"row_count\":2"), std::string::npos);
  ASSERT_TRUE(done->processing_summary.has_value());
  EXPECT_EQ(done->processed_at, clock_.NowSeconds());
  EXPECT_FALSE(done->status_details.has_value());

  const FileRecord stored = Stored(f);
  EXPECT_EQ(stored.status, FileStatus::kProcessed);
  EXPECT_EQ(stored.metadata_json, done->metadata_json);
  EXPECT_EQ(stored.processing_summary, done->processing_summary);
  EXPECT_EQ(stored.blob_key, f.blob_key);  // the content is untouched
  EXPECT_EQ(ReadAll(blobs_, blob_keys::TextKey(f.id)), kCsv);
  EXPECT_TRUE(SpoolIsEmpty());  // the spooled copy is gone
}

TEST_F(IsolatedAnalyzerTest, AnAnalysedFileIsNeverAnalysedAgain) {
  const FileRecord f = NewFile(kCsv, "once.csv");
  auto done = Analyzer()->Analyze(f);
  ASSERT_TRUE(done.ok());
  clock_.Advance(100);
  // With no worker at all: an analysed file is answered from its row.
  auto again = Analyzer("/nonexistent/filesd-worker")->Analyze(*done);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, FileStatus::kProcessed);
  EXPECT_EQ(Stored(f).updated_at, done->updated_at);
  // A stale copy of the row (still `uploaded`) cannot claim it either: the store's row is returned.
  auto stale_copy = Analyzer("/nonexistent/filesd-worker")->Analyze(f);
  ASSERT_TRUE(stale_copy.ok()) << stale_copy.status().ToString();
  EXPECT_EQ(stale_copy->status, FileStatus::kProcessed);
  EXPECT_EQ(stale_copy->processed_at, done->processed_at);
}

TEST_F(IsolatedAnalyzerTest, ContentTheWorkerRefusesIsRecordedAsError) {
  const FileRecord f = NewFile("%PDF-1.7\nnot really a pdf\n", "broken.pdf");
  auto done = Analyzer()->Analyze(f);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, FileStatus::kError);
  ASSERT_TRUE(done->status_details.has_value());
  EXPECT_FALSE(done->status_details->empty());
  EXPECT_EQ(done->status_details->find(dir_), std::string::npos);  // no path leaks
  EXPECT_FALSE(done->metadata_json.has_value());
  EXPECT_EQ(Stored(f).status, FileStatus::kError);
  EXPECT_EQ(blobs_.Stat(blob_keys::TextKey(f.id)).status().code(), StatusCode::kNotFound);
  // Answered again from the row.
  auto again = Analyzer("/nonexistent/filesd-worker")->Analyze(Stored(f));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status_details, done->status_details);
}

TEST_F(IsolatedAnalyzerTest, BinaryContentHasNoText) {
  const FileRecord f = NewFile(std::string("\x7f\x01\x02\x03\xff\xfe\x00\x10", 8) + RandomBytes(4000),
                               "noise.bin");
  auto done = Analyzer()->Analyze(f);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, FileStatus::kProcessed);
  EXPECT_NE(done->metadata_json->find("\"type\":\"binary\""), std::string::npos);
  EXPECT_EQ(blobs_.Stat(blob_keys::TextKey(f.id)).status().code(), StatusCode::kNotFound);
}

TEST_F(IsolatedAnalyzerTest, AMissingWorkerLeavesTheFileUploadedForARetry) {
  const FileRecord f = NewFile(kCsv, "later.csv");
  auto r = Analyzer(dir_ + "/no-such-worker")->Analyze(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Stored(f).status, FileStatus::kUploaded);
  EXPECT_TRUE(SpoolIsEmpty());
  auto retry = Analyzer()->Analyze(Stored(f));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->status, FileStatus::kProcessed);
}

TEST_F(IsolatedAnalyzerTest, AFileBeingProcessedIsLeftAloneUntilItIsStale) {
  const FileRecord f = NewFile(kCsv, "busy.csv");
  // Another process claimed it.
  FileRecord claimed = f;
  claimed.status = FileStatus::kProcessing;
  claimed.updated_at = clock_.NowSeconds();
  FilePrecondition expect;
  expect.status = FileStatus::kUploaded;
  ASSERT_TRUE(meta_->UpdateFile(claimed, expect, clock_.NowSeconds()).ok());

  auto busy = Analyzer()->Analyze(Stored(f));
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(busy->status, FileStatus::kProcessing);
  EXPECT_EQ(Stored(f).status, FileStatus::kProcessing);

  // That process died: after the stale time (2 x 30 s + 60 s by default) the file is taken over.
  clock_.Advance(121);
  auto taken = Analyzer()->Analyze(Stored(f));
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(taken->status, FileStatus::kProcessed);
  EXPECT_EQ(Stored(f).status, FileStatus::kProcessed);
}

TEST_F(IsolatedAnalyzerTest, IncompleteContentIsAConflict) {
  FileRecord f = NewFile("", "pending.csv");
  FileRecord pending = f;
  pending.status = FileStatus::kPending;
  auto r = Analyzer()->Analyze(pending);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
}

TEST_F(IsolatedAnalyzerTest, SpoolLeftoversOfACrashAreRemovedAtStart) {
  fs::create_directories(spool_dir());
  { std::ofstream(spool_dir() + "/spool-abc123") << "left behind"; }
  auto analyzer = Analyzer();
  EXPECT_TRUE(SpoolIsEmpty());
}

}  // namespace
}  // namespace filesd
