// The janitor over a real SQLite store and the memory blob store, on a fake clock.
#include "lifecycle/janitor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "blob/memory_blob_store.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd {
namespace {

constexpr int64_t kRetention = 7 * 24 * 3600;
constexpr int64_t kGrace = 3600;

class JanitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("janitor-" + NewUuidV4());
    std::filesystem::create_directories(dir_);
    auto meta = SqliteMetadataStore::Open((dir_ / "filesd.db").string());
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    meta_ = std::move(meta).value();
    auto project = meta_->EnsureProject("p", clock_.NowSeconds());
    ASSERT_TRUE(project.ok());
    project_id_ = project->id;
    JanitorOptions options;
    options.deleted_retention_seconds = kRetention;
    options.orphan_grace_seconds = kGrace;
    options.batch_size = 2;  // several batches in one pass
    janitor_ = std::make_unique<Janitor>(blobs_, *meta_, clock_, options);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void PutBlob(const std::string& key, std::string_view data) {
    auto w = blobs_.NewWriter(key);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(data).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  bool HasBlob(const std::string& key) { return blobs_.Stat(key).ok(); }

  // A visible file with content and extracted text.
  FileRecord MakeFile(std::optional<int64_t> expires_at = std::nullopt) {
    FileRecord f;
    f.id = NewUuidV4();
    f.project_id = project_id_;
    f.filename = "a.txt";
    f.purpose = "user_data";
    f.bytes = 5;
    f.status = FileStatus::kProcessed;
    f.mime_type = "text/plain";
    f.blob_key = blob_keys::NewContentKey(f.id);
    f.created_at = f.updated_at = clock_.NowSeconds();
    f.expires_at = expires_at;
    PutBlob(f.blob_key, "hello");
    PutBlob(blob_keys::TextKey(f.id), "hello");
    EXPECT_TRUE(meta_->CreateFile(f).ok());
    return f;
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  MemoryBlobStore blobs_;
  std::unique_ptr<SqliteMetadataStore> meta_;
  std::unique_ptr<Janitor> janitor_;
  std::string project_id_;
};

TEST_F(JanitorTest, DeletedContentStaysUntilRetentionThenGoesWithItsTextAndRow) {
  std::vector<FileRecord> files;
  for (int i = 0; i < 5; ++i) files.push_back(MakeFile());
  for (const auto& f : files)
    ASSERT_TRUE(meta_->SoftDeleteFile(project_id_, f.id, clock_.NowSeconds()).ok());

  clock_.Advance(kRetention - 10);
  auto early = janitor_->RunOnce();
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->files_purged, 0u);
  for (const auto& f : files) EXPECT_TRUE(HasBlob(f.blob_key));

  clock_.Advance(20);
  auto late = janitor_->RunOnce();
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->files_purged, 5u);
  for (const auto& f : files) {
    EXPECT_FALSE(HasBlob(f.blob_key));
    EXPECT_FALSE(HasBlob(blob_keys::TextKey(f.id)));
  }
  auto purgeable = meta_->ListPurgeableFiles(clock_.NowSeconds(), clock_.NowSeconds(), 100);
  ASSERT_TRUE(purgeable.ok());
  EXPECT_TRUE(purgeable->empty());
}

TEST_F(JanitorTest, ExpiredFilesArePurgedAndLiveOnesAreNeverTouched) {
  const int64_t now = clock_.NowSeconds();
  FileRecord expiring = MakeFile(now + 100);
  FileRecord live = MakeFile();
  FileRecord later = MakeFile(now + 100000);
  clock_.Advance(101);
  auto report = janitor_->RunOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->files_purged, 1u);
  EXPECT_FALSE(HasBlob(expiring.blob_key));
  EXPECT_TRUE(HasBlob(live.blob_key));
  EXPECT_TRUE(HasBlob(blob_keys::TextKey(live.id)));
  EXPECT_TRUE(HasBlob(later.blob_key));
  EXPECT_TRUE(meta_->GetFile(project_id_, live.id, clock_.NowSeconds()).ok());
}

TEST_F(JanitorTest, OrphanedBlobsGoAfterTheGraceAndAdoptedOnesStay) {
  const std::string orphan = blob_keys::NewContentKey(NewUuidV4());
  ASSERT_TRUE(meta_->RecordBlobIntent(orphan, clock_.NowSeconds()).ok());
  PutBlob(orphan, "left by a crash between commit and row");
  FileRecord adopted = MakeFile();  // CreateFile removed its (absent) intent

  clock_.Advance(kGrace - 1);
  auto early = janitor_->RunOnce();
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->orphan_blobs_removed, 0u);
  EXPECT_TRUE(HasBlob(orphan));

  clock_.Advance(2);
  auto late = janitor_->RunOnce();
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->orphan_blobs_removed, 1u);
  EXPECT_FALSE(HasBlob(orphan));
  EXPECT_TRUE(HasBlob(adopted.blob_key));
  auto intents = meta_->ListBlobIntents(clock_.NowSeconds(), 10);
  ASSERT_TRUE(intents.ok());
  EXPECT_TRUE(intents->empty());
}

TEST_F(JanitorTest, PendingFilesWhoseUploadNeverCameGoAfterTheirGrace) {
  JanitorOptions options;
  options.pending_grace_seconds = 600;
  Janitor janitor(blobs_, *meta_, clock_, options);
  FileRecord pending;
  pending.id = NewUuidV4();
  pending.project_id = project_id_;
  pending.filename = "later.csv";
  pending.purpose = "user_data";
  pending.status = FileStatus::kPending;
  pending.created_at = pending.updated_at = clock_.NowSeconds();
  ASSERT_TRUE(meta_->CreateFile(pending).ok());
  FileRecord done = MakeFile();

  clock_.Advance(599);
  auto early = janitor.RunOnce();
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->stale_pending_removed, 0u);
  EXPECT_TRUE(meta_->GetFile(project_id_, pending.id, clock_.NowSeconds()).ok());

  clock_.Advance(2);
  auto late = janitor.RunOnce();
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->stale_pending_removed, 1u);
  EXPECT_EQ(meta_->GetFile(project_id_, pending.id, clock_.NowSeconds()).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(meta_->GetFile(project_id_, done.id, clock_.NowSeconds()).ok());  // not pending
}

TEST_F(JanitorTest, IdempotencyKeysGoAfterTheirDay) {
  const int64_t t0 = clock_.NowSeconds();
  for (const char* key : {"a", "b", "c"}) {
    auto claimed = meta_->ClaimIdempotencyKey(project_id_, key, "server", std::nullopt, t0, 0);
    ASSERT_TRUE(claimed.ok() && !claimed->has_value());
  }
  ASSERT_TRUE(meta_->AnswerIdempotencyKey(project_id_, "a", "server", "fp", 200, "{}").ok());
  clock_.Advance(3600);
  auto later =
      meta_->ClaimIdempotencyKey(project_id_, "d", "server", std::nullopt, clock_.NowSeconds(), 0);
  ASSERT_TRUE(later.ok() && !later->has_value());

  clock_.Advance(24 * 3600 - 3600 - 1);
  auto early = janitor_->RunOnce();
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  EXPECT_EQ(early->idempotency_keys_purged, 0u);

  clock_.Advance(1);  // a, b and c are a day old (several batches of 2); d is not
  auto late = janitor_->RunOnce();
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->idempotency_keys_purged, 3u);
  auto a_again =
      meta_->ClaimIdempotencyKey(project_id_, "a", "other", std::nullopt, clock_.NowSeconds(), 0);
  ASSERT_TRUE(a_again.ok());
  EXPECT_FALSE(a_again->has_value());  // gone, so claimable
  auto d_kept =
      meta_->ClaimIdempotencyKey(project_id_, "d", "other", std::nullopt, clock_.NowSeconds(), 0);
  ASSERT_TRUE(d_kept.ok());
  EXPECT_TRUE(d_kept->has_value());
}

// An upload session's parts and segments are blobs of their own: they go with the session's row
// (cancelled, expired or deleted), and a live session keeps them.
TEST_F(JanitorTest, SessionPartsAndSegmentsGoWithTheirFile) {
  const int64_t now = clock_.NowSeconds();
  auto open_session = [&](std::optional<int64_t> expires_at) {
    FileRecord f;
    f.id = NewUuidV4();
    f.project_id = project_id_;
    f.filename = "s.bin";
    f.purpose = "user_data";
    f.bytes = 0;
    f.status = FileStatus::kUploading;
    f.created_at = f.updated_at = now;
    f.expires_at = expires_at;
    EXPECT_TRUE(meta_->CreateFile(f).ok());
    return f;
  };
  auto append = [&](const FileRecord& f, uint64_t offset, std::string_view data) {
    UploadSegmentRecord seg;
    seg.file_id = f.id;
    seg.offset = offset;
    seg.bytes = data.size();
    seg.blob_key = blob_keys::NewContentKey(f.id);
    seg.created_at = now;
    PutBlob(seg.blob_key, data);
    EXPECT_TRUE(meta_->AppendUploadSegment(project_id_, seg, now).ok());
    return seg.blob_key;
  };
  const FileRecord expiring = open_session(now + 100);
  const FileRecord live = open_session(std::nullopt);
  const FileRecord parted = open_session(now + 100);
  const std::vector<std::string> gone = {append(expiring, 0, "hel"), append(expiring, 3, "lo")};
  const std::string kept = append(live, 0, "stay");
  UploadPartRecord part;
  part.id = "part_" + NewUuidV4();
  part.file_id = parted.id;
  part.bytes = 4;
  part.blob_key = blob_keys::NewContentKey(parted.id);
  part.created_at = now;
  PutBlob(part.blob_key, "part");
  ASSERT_TRUE(meta_->AddUploadPart(project_id_, part, now).ok());

  clock_.Advance(101);
  auto report = janitor_->RunOnce();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->files_purged, 2u);
  for (const std::string& key : gone) EXPECT_FALSE(HasBlob(key)) << key;
  EXPECT_FALSE(HasBlob(part.blob_key));
  auto segments = meta_->ListUploadSegments(expiring.id);
  ASSERT_TRUE(segments.ok());
  EXPECT_TRUE(segments->empty());
  EXPECT_TRUE(HasBlob(kept));
  auto live_segments = meta_->ListUploadSegments(live.id);
  ASSERT_TRUE(live_segments.ok());
  EXPECT_EQ(live_segments->size(), 1u);
  // Every blob left belongs to the live session.
  EXPECT_EQ(blobs_.ListKeys(), std::vector<std::string>{kept});
}

}  // namespace
}  // namespace filesd
