// The session flow (upload/sessions.h) without HTTP, on a real SQLite file and the local blob
// store: appends as segments, racing appends, reads of open sessions, complete's free digest, the
// parts' hash chain and its fallback, cancel.
#include <gtest/gtest.h>

#include <thread>

#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "unit/upload/session_test_world.h"

namespace filesd::session_test {
namespace {

std::string Bytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

std::string ReasonOf(const Status& s) { return std::string(s.reason()); }

TEST(Sessions, AppendsAreReadableWhileOpenAndCompleteWithoutReadingThemBack) {
  SessionWorld w;
  const FileRecord s = w.Create();
  EXPECT_EQ(s.status, FileStatus::kUploading);
  EXPECT_TRUE(s.blob_key.empty());
  EXPECT_EQ(w.Content(s.id), "");
  std::string all;
  for (size_t n : {1, 1000, 300000, 12345}) {
    const std::string chunk = Bytes(n, static_cast<uint32_t>(n));
    auto f = w.Append(s.id, chunk);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    all += chunk;
    EXPECT_EQ(f->bytes, all.size());
    EXPECT_EQ(w.Content(s.id), all);
  }
  auto segments = w.meta().ListUploadSegments(s.id);
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(segments->size(), 4u);

  w.blobs().ResetCount();
  auto done = w.Complete(s.id, std::nullopt, Sha256::HexOf(all));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(w.blobs().bytes_read(), 0u) << "complete read content back to hash it";
  EXPECT_EQ(w.sessions().rehashed_completes(), 0u);
  EXPECT_EQ(done->status, FileStatus::kUploaded);
  EXPECT_EQ(done->bytes, all.size());
  EXPECT_EQ(done->sha256, Sha256::HexOf(all));
  EXPECT_EQ(w.Content(s.id), all);
  // The segments are gone, blobs and rows: only the composed content remains.
  segments = w.meta().ListUploadSegments(s.id);
  ASSERT_TRUE(segments.ok());
  EXPECT_TRUE(segments->empty());
  EXPECT_EQ(w.StoredKeys(), std::vector<std::string>{done->blob_key});
}

TEST(Sessions, AnEmptySessionCompletesToAnEmptyFile) {
  SessionWorld w;
  const FileRecord s = w.Create();
  auto empty = w.Append(s.id, "");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->bytes, 0u);
  auto done = w.Complete(s.id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->bytes, 0u);
  EXPECT_EQ(done->sha256, Sha256::HexOf(""));
  EXPECT_EQ(w.Content(s.id), "");
}

TEST(Sessions, OpenContentStitchesSegmentsForReadsAcrossTheirBoundaries) {
  SessionWorld w;
  const FileRecord s = w.Create();
  std::string all;
  for (int i = 0; i < 6; ++i) {
    const std::string chunk = Bytes(1000 + i * 37, i);
    ASSERT_TRUE(w.Append(s.id, chunk).ok());
    all += chunk;
  }
  auto f = w.meta().GetFile(w.project_id(), s.id, w.clock().NowSeconds());
  ASSERT_TRUE(f.ok());
  auto reader = w.sessions().OpenContent(*f);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ((*reader)->size_bytes(), all.size());
  for (uint64_t offset : {0ull, 999ull, 1000ull, 2500ull, 5000ull, 6000ull}) {
    std::string buf(1500, '\0');
    auto n = (*reader)->ReadAt(offset, std::span<char>(buf.data(), buf.size()));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_GT(*n, 0u);
    EXPECT_EQ(buf.substr(0, *n), all.substr(offset, *n)) << "at " << offset;
  }
}

TEST(Sessions, AnOffsetMustBeTheCurrentSize) {
  SessionWorld w;
  const FileRecord s = w.Create();
  ASSERT_TRUE(w.Append(s.id, "0123456789", 0).ok());
  auto retry = w.Append(s.id, "abc", 0);
  ASSERT_EQ(retry.status().code(), StatusCode::kConflict);
  EXPECT_EQ(ReasonOf(retry.status()), "offset_mismatch");
  EXPECT_NE(retry.status().message().find("current size 10"), std::string::npos);
  ASSERT_TRUE(w.Append(s.id, "abc", 10).ok());
  EXPECT_EQ(w.Content(s.id), "0123456789abc");
}

// Two appends began at the same size; the second to record re-hashes at the new end.
TEST(Sessions, RacingAppendsWithoutOffsetBothLand) {
  SessionWorld w;
  const FileRecord s = w.Create();
  ASSERT_TRUE(w.Append(s.id, "head:").ok());
  auto a = w.sessions().BeginAppend(w.project_id(), s.id);
  auto b = w.sessions().BeginAppend(w.project_id(), s.id);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string da = Bytes(70000, 1), db = Bytes(50000, 2);
  ASSERT_TRUE((*a)->Append(da).ok());
  ASSERT_TRUE((*b)->Append(db).ok());
  auto fa = (*a)->Finish(std::nullopt);
  auto fb = (*b)->Finish(std::nullopt);
  ASSERT_TRUE(fa.ok()) << fa.status().ToString();
  ASSERT_TRUE(fb.ok()) << fb.status().ToString();
  EXPECT_EQ(fb->bytes, 5 + da.size() + db.size());
  const std::string all = "head:" + da + db;
  EXPECT_EQ(w.Content(s.id), all);
  auto done = w.Complete(s.id, std::nullopt, Sha256::HexOf(all));
  ASSERT_TRUE(done.ok()) << "the loser's re-hash is wrong: " << done.status().ToString();
}

TEST(Sessions, RacingAppendsWithTheSameOffsetOneWinsAndNoSegmentLeaks) {
  SessionWorld w;
  const FileRecord s = w.Create();
  auto a = w.sessions().BeginAppend(w.project_id(), s.id);
  auto b = w.sessions().BeginAppend(w.project_id(), s.id);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Append("winner").ok());
  ASSERT_TRUE((*b)->Append("loser").ok());
  ASSERT_TRUE((*a)->Finish(0).ok());
  auto fb = (*b)->Finish(0);
  ASSERT_EQ(fb.status().code(), StatusCode::kConflict);
  EXPECT_EQ(ReasonOf(fb.status()), "offset_mismatch");
  EXPECT_EQ(w.Content(s.id), "winner");
  auto segments = w.meta().ListUploadSegments(s.id);
  ASSERT_TRUE(segments.ok());
  ASSERT_EQ(segments->size(), 1u);
  EXPECT_EQ(w.StoredKeys(), std::vector<std::string>{segments->front().blob_key});
  auto intents = w.meta().ListBlobIntents(INT64_MAX, 10);
  ASSERT_TRUE(intents.ok());
  EXPECT_TRUE(intents->empty());
}

// Threads appending to one session at once, without offsets: every chunk lands exactly once.
TEST(Sessions, ConcurrentAppendsWithoutOffsetLoseNothing) {
  SessionWorld w;
  const FileRecord s = w.Create();
  constexpr int kThreads = 4, kEach = 12;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        const std::string chunk = "<" + std::to_string(t) + ":" + std::to_string(k) + ">" +
                                  Bytes(100 + 997 * k, t * 100 + k);
        auto f = w.Append(s.id, chunk);
        ASSERT_TRUE(f.ok()) << f.status().ToString();
        acked[t].emplace_back(f->bytes - chunk.size(), chunk);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<std::pair<uint64_t, std::string>> all;
  for (auto& v : acked) all.insert(all.end(), v.begin(), v.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  std::sort(all.begin(), all.end());
  const std::string content = w.Content(s.id);
  uint64_t pos = 0;
  for (const auto& [offset, chunk] : all) {
    ASSERT_EQ(offset, pos) << "a chunk was lost, duplicated or overlapped";
    EXPECT_EQ(content.substr(offset, chunk.size()), chunk);
    pos += chunk.size();
  }
  EXPECT_EQ(pos, content.size());
  auto done = w.Complete(s.id, std::nullopt, Sha256::HexOf(content));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
}

TEST(Sessions, PartsInChainOrderCompleteWithoutReadingAndReorderedPartsAreReadOnce) {
  SessionWorld w;
  for (bool reorder : {false, true}) {
    SCOPED_TRACE(reorder ? "reordered" : "in chain order");
    const FileRecord s = w.Create();
    std::vector<std::string> data, ids;
    for (uint32_t i = 0; i < 3; ++i) {
      data.push_back(Bytes(100000 + i, i));
      auto p = w.AddPart(s.id, data.back());
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      ids.push_back(p->id);
    }
    if (reorder) {
      std::swap(ids[0], ids[1]);
      std::swap(data[0], data[1]);
    }
    const std::string whole = data[0] + data[1] + data[2];
    const uint64_t rehashed = w.sessions().rehashed_completes();
    w.blobs().ResetCount();
    auto done = w.Complete(s.id, ids, Sha256::HexOf(whole));
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    EXPECT_EQ(done->sha256, Sha256::HexOf(whole));
    EXPECT_EQ(w.Content(s.id), whole);
    if (reorder) {
      EXPECT_EQ(w.sessions().rehashed_completes(), rehashed + 1);
      EXPECT_EQ(w.blobs().bytes_read(), whole.size()) << "the fallback reads the content once";
    } else {
      EXPECT_EQ(w.sessions().rehashed_completes(), rehashed);
      EXPECT_EQ(w.blobs().bytes_read(), 0u);
    }
    auto parts = w.meta().ListUploadParts(s.id);
    ASSERT_TRUE(parts.ok());
    EXPECT_TRUE(parts->empty());
  }
}

// A part staged by a server before parts were hashed has no state: complete hashes the content.
TEST(Sessions, APartWithoutHashStateIsHashedAtComplete) {
  SessionWorld w;
  const FileRecord s = w.Create();
  const std::string key = blob_keys::NewContentKey(s.id);
  auto writer = w.local().NewWriter(key);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("legacy ").ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  UploadPartRecord legacy;
  legacy.id = "part_" + NewUuidV4();
  legacy.file_id = s.id;
  legacy.bytes = 7;
  legacy.blob_key = key;
  legacy.created_at = w.clock().NowSeconds();
  ASSERT_TRUE(w.meta().AddUploadPart(w.project_id(), legacy, w.clock().NowSeconds()).ok());
  auto fresh = w.AddPart(s.id, "part");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(fresh->chain_prev, "") << "a part cannot continue a chain that has no state";
  auto done = w.Complete(s.id, std::vector<std::string>{legacy.id, fresh->id},
                         Sha256::HexOf("legacy part"));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(w.sessions().rehashed_completes(), 1u);
}

TEST(Sessions, Md5IsVerifiedByOneReadOfTheComposedContent) {
  SessionWorld w;
  const FileRecord s = w.Create();
  ASSERT_TRUE(w.Append(s.id, "abc").ok());
  ASSERT_TRUE(w.Append(s.id, "def").ok());
  auto wrong = w.Complete(s.id, std::nullopt, std::nullopt, std::string(32, '0'));
  ASSERT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(wrong.status()), "checksum_mismatch");
  auto f = w.meta().GetFile(w.project_id(), s.id, w.clock().NowSeconds());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->status, FileStatus::kUploading) << "a mismatch keeps the session open";
  EXPECT_EQ(w.StoredKeys().size(), 2u) << "only the two segments: the composed blob is gone";
  w.blobs().ResetCount();
  auto done = w.Complete(s.id, std::nullopt, Sha256::HexOf("abcdef"),
                         "e80b5017098950fc58aad83c8c14978e");  // MD5("abcdef")
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(w.blobs().bytes_read(), 6u);
  EXPECT_EQ(w.sessions().rehashed_completes(), 0u);
}

TEST(Sessions, AWrongSha256IsRefusedBeforeAnythingIsWritten) {
  SessionWorld w;
  const FileRecord s = w.Create();
  ASSERT_TRUE(w.Append(s.id, "abc").ok());
  const auto before = w.StoredKeys();
  auto wrong = w.Complete(s.id, std::nullopt, std::string(64, '0'));
  ASSERT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(wrong.status()), "checksum_mismatch");
  EXPECT_EQ(w.StoredKeys(), before);
  ASSERT_TRUE(w.Append(s.id, "def", 3).ok());
  EXPECT_EQ(w.Content(s.id), "abcdef");
}

TEST(Sessions, AppendsAndPartsDoNotMix) {
  SessionWorld w;
  const FileRecord appended = w.Create();
  ASSERT_TRUE(w.Append(appended.id, "abc").ok());
  EXPECT_EQ(ReasonOf(w.AddPart(appended.id, "p").status()), "upload_mode_conflict");
  EXPECT_EQ(ReasonOf(w.Complete(appended.id, std::vector<std::string>{"part_x"}).status()),
            "upload_mode_conflict");
  const FileRecord parted = w.Create();
  ASSERT_TRUE(w.AddPart(parted.id, "p").ok());
  EXPECT_EQ(ReasonOf(w.Append(parted.id, "x").status()), "upload_mode_conflict");
  auto missing = w.Complete(parted.id);
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
}

TEST(Sessions, ClosedAndUnknownSessions) {
  SessionWorld w;
  const FileRecord s = w.Create();
  ASSERT_TRUE(w.Append(s.id, "abc").ok());
  ASSERT_TRUE(w.Complete(s.id).ok());
  EXPECT_EQ(ReasonOf(w.Append(s.id, "x").status()), "upload_closed");
  EXPECT_EQ(ReasonOf(w.Complete(s.id).status()), "upload_closed");
  EXPECT_EQ(ReasonOf(w.AddPart(s.id, "x").status()), "upload_closed");
  EXPECT_EQ(ReasonOf(w.Append("not-a-uuid", "x").status()), "upload_not_found");
  EXPECT_EQ(ReasonOf(w.Append(NewUuidV4(), "x").status()), "upload_not_found");
}

TEST(Sessions, CancelDiscardsEverySegment) {
  SessionWorld w;
  const FileRecord s = w.Create();
  ASSERT_TRUE(w.Append(s.id, "secret").ok());
  ASSERT_TRUE(w.Append(s.id, " more").ok());
  auto cancelled = w.sessions().Cancel(w.project_id(), s.id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_TRUE(cancelled->deleted_at.has_value());
  EXPECT_TRUE(w.StoredKeys().empty());
  EXPECT_EQ(ReasonOf(w.Append(s.id, "x").status()), "upload_not_found");
  EXPECT_EQ(ReasonOf(w.sessions().Cancel(w.project_id(), s.id).status()), "upload_not_found");
}

TEST(Sessions, AnAppendOverTheQuotaLeavesNothing) {
  SessionWorld w;
  ASSERT_TRUE(w.meta().SetProjectQuota(w.project_id(), 10, std::nullopt).ok());
  const FileRecord s = w.Create();
  ASSERT_TRUE(w.Append(s.id, "123456").ok());
  auto over = w.Append(s.id, "12345");
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(w.Content(s.id), "123456");
  EXPECT_EQ(w.StoredKeys().size(), 1u);
  // Two appends that each fit alone, begun together: the store's transaction refuses the second.
  auto a = w.sessions().BeginAppend(w.project_id(), s.id);
  auto b = w.sessions().BeginAppend(w.project_id(), s.id);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Append("abc").ok());
  ASSERT_TRUE((*b)->Append("xyz").ok());
  ASSERT_TRUE((*a)->Finish(std::nullopt).ok());
  EXPECT_EQ((*b)->Finish(std::nullopt).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(w.Content(s.id), "123456abc");
  EXPECT_EQ(w.StoredKeys().size(), 2u);
}

TEST(Sessions, AChunkOverTheLimitIsRefusedWhileItStreams) {
  SessionWorld w;
  const FileRecord s = w.Create();
  auto sink = w.sessions().BeginAppend(w.project_id(), s.id);
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Append(std::string(kMaxAppendBytes, 'x')).ok());
  Status over = (*sink)->Append("y");
  EXPECT_EQ(over.code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(ReasonOf(over), "chunk_too_large");
  (*sink)->Abandon();
  EXPECT_TRUE(w.StoredKeys().empty());
  EXPECT_EQ(w.Content(s.id), "");
}

}  // namespace
}  // namespace filesd::session_test
