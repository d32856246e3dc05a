// MetadataStore conformance, upload segments and the part chain (metadata_store.h "upload
// segments", records.h UploadPartRecord): every clause of AppendUploadSegment's contract.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "conformance/metadata_store_conformance.h"

namespace filesd::conformance {
namespace {

using StatusCode::kConflict;
using StatusCode::kInvalidArgument;
using StatusCode::kNotFound;
using StatusCode::kResourceExhausted;

UploadSegmentRecord Segment(const std::string& file_id, uint64_t offset, uint64_t bytes,
                            int64_t created_at) {
  UploadSegmentRecord s;
  s.file_id = file_id;
  s.offset = offset;
  s.bytes = bytes;
  s.blob_key = "segment/" + file_id + "/at-" + std::to_string(offset) + "-" + std::to_string(bytes);
  s.sha256_state = "s1:state-after-" + std::to_string(offset + bytes);
  s.created_at = created_at;
  return s;
}

// The suite's instances (metadata_store_instances_test.cc) run these too.
#define SEGMENTS_TEST(name) TEST_P(MetadataStoreConformanceTest, Segments##name)

SEGMENTS_TEST(AppendGrowsTheSessionListsByOffsetAndAdoptsTheIntent) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  session.blob_key.clear();
  Create(session);
  const UploadSegmentRecord first = Segment(Id(1), 0, 10, kNow + 1);
  const UploadSegmentRecord second = Segment(Id(1), 10, 5, kNow + 2);
  META_ASSERT_OK(store().RecordBlobIntent(first.blob_key, kNow));
  META_ASSERT_OK(store().RecordBlobIntent(second.blob_key, kNow));

  META_ASSIGN_OR_FAIL(FileRecord after, store().AppendUploadSegment(alpha().id, first, kNow + 1));
  EXPECT_EQ(after.bytes, 10u);
  EXPECT_EQ(after.updated_at, kNow + 1);
  EXPECT_EQ(after.status, FileStatus::kUploading);
  EXPECT_EQ(after.id, Id(1));
  META_ASSIGN_OR_FAIL(after, store().AppendUploadSegment(alpha().id, second, kNow + 2));
  EXPECT_EQ(after.bytes, 15u);
  EXPECT_EQ(after.updated_at, kNow + 2);
  META_ASSIGN_OR_FAIL(FileRecord stored, store().GetFile(alpha().id, Id(1), kNow + 2));
  EXPECT_EQ(stored.bytes, 15u);

  // Both intents were adopted by the rows that reference their blobs.
  META_ASSIGN_OR_FAIL(std::vector<std::string> intents, store().ListBlobIntents(kNow + 10, 10));
  EXPECT_TRUE(intents.empty());

  META_ASSIGN_OR_FAIL(std::vector<UploadSegmentRecord> segments,
                      store().ListUploadSegments(Id(1)));
  ASSERT_EQ(segments.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const UploadSegmentRecord& want = i == 0 ? first : second;
    EXPECT_EQ(segments[i].file_id, want.file_id);
    EXPECT_EQ(segments[i].offset, want.offset);
    EXPECT_EQ(segments[i].bytes, want.bytes);
    EXPECT_EQ(segments[i].blob_key, want.blob_key);
    EXPECT_EQ(segments[i].sha256_state, want.sha256_state);
    EXPECT_EQ(segments[i].created_at, want.created_at);
  }
  // Usage counts the session's bytes.
  META_ASSIGN_OR_FAIL(MetadataStore::Usage usage, store().GetUsage(alpha().id, kNow + 2));
  EXPECT_EQ(usage.bytes, 15u);
}

SEGMENTS_TEST(TheSegmentEndingAtASizeIsFoundOnlyThere) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  for (uint64_t offset : {0u, 10u, 15u}) {
    const uint64_t bytes = offset == 10 ? 5 : 10;
    META_ASSERT_OK(store().AppendUploadSegment(alpha().id, Segment(Id(1), offset, bytes, kNow),
                                               kNow));
  }
  for (uint64_t end : {10u, 15u, 25u}) {
    META_ASSIGN_OR_FAIL(UploadSegmentRecord s, store().GetUploadSegmentEndingAt(Id(1), end));
    EXPECT_EQ(s.offset + s.bytes, end);
    EXPECT_EQ(s.sha256_state, "s1:state-after-" + std::to_string(end));
  }
  for (uint64_t end : {0u, 5u, 12u, 26u}) {
    EXPECT_EQ(store().GetUploadSegmentEndingAt(Id(1), end).status().code(), kNotFound) << end;
  }
  EXPECT_EQ(store().GetUploadSegmentEndingAt(Id(9), 10).status().code(), kNotFound);
}

SEGMENTS_TEST(DeleteIsIdempotentAndPurgeRemovesThem) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  META_ASSERT_OK(store().AppendUploadSegment(alpha().id, Segment(Id(1), 0, 3, kNow), kNow));
  META_ASSERT_OK(store().DeleteUploadSegments(Id(1)));
  META_ASSIGN_OR_FAIL(std::vector<UploadSegmentRecord> segments,
                      store().ListUploadSegments(Id(1)));
  EXPECT_TRUE(segments.empty());
  META_ASSERT_OK(store().DeleteUploadSegments(Id(1)));  // idempotent
  META_ASSERT_OK(store().DeleteUploadSegments(Id(9)));  // no such file: fine too

  META_ASSERT_OK(store().AppendUploadSegment(alpha().id, Segment(Id(1), 3, 4, kNow), kNow));
  META_ASSERT_OK(store().PurgeFile(Id(1)));
  META_ASSIGN_OR_FAIL(segments, store().ListUploadSegments(Id(1)));
  EXPECT_TRUE(segments.empty());
}

SEGMENTS_TEST(AnOffsetOtherThanTheSizeIsOffsetMismatchAndChangesNothing) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  META_ASSERT_OK(store().AppendUploadSegment(alpha().id, Segment(Id(1), 0, 8, kNow), kNow));
  for (uint64_t offset : {uint64_t{0}, uint64_t{7}, uint64_t{9}, uint64_t{100}}) {
    const UploadSegmentRecord seg = Segment(Id(1), offset, 2, kNow + 1);
    META_ASSERT_OK(store().RecordBlobIntent(seg.blob_key, kNow));
    auto r = store().AppendUploadSegment(alpha().id, seg, kNow + 1);
    ASSERT_FALSE(r.ok()) << "offset " << offset;
    EXPECT_EQ(r.status().code(), kConflict);
    EXPECT_EQ(r.status().reason(), "offset_mismatch");
    EXPECT_NE(r.status().message().find("8"), std::string::npos) << r.status().message();
    META_ASSIGN_OR_FAIL(std::vector<std::string> intents, store().ListBlobIntents(kNow, 100));
    EXPECT_NE(std::find(intents.begin(), intents.end(), seg.blob_key), intents.end())
        << "the loser's blob stays the janitor's to remove";
  }
  META_ASSIGN_OR_FAIL(FileRecord stored, store().GetFile(alpha().id, Id(1), kNow + 1));
  EXPECT_EQ(stored.bytes, 8u);
  EXPECT_EQ(stored.updated_at, kNow);
  META_ASSIGN_OR_FAIL(std::vector<UploadSegmentRecord> segments,
                      store().ListUploadSegments(Id(1)));
  EXPECT_EQ(segments.size(), 1u);
}

SEGMENTS_TEST(OnlyAnUploadingSessionTakesSegments) {
  for (FileStatus status : {FileStatus::kPending, FileStatus::kUploaded, FileStatus::kProcessing,
                            FileStatus::kProcessed, FileStatus::kError}) {
    FileRecord f = NewFile(alpha().id, Id(static_cast<int>(status) + 1), kNow);
    f.status = status;
    f.bytes = 0;
    Create(f);
    auto r = store().AppendUploadSegment(alpha().id, Segment(f.id, 0, 1, kNow), kNow);
    ASSERT_FALSE(r.ok()) << FileStatusName(status);
    EXPECT_EQ(r.status().code(), kConflict);
    EXPECT_EQ(r.status().reason(), "upload_closed");
    META_ASSIGN_OR_FAIL(std::vector<UploadSegmentRecord> segments,
                        store().ListUploadSegments(f.id));
    EXPECT_TRUE(segments.empty());
  }
}

SEGMENTS_TEST(ASessionWithPartsTakesNoSegments) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  UploadPartRecord part;
  part.id = "part_a";
  part.file_id = Id(1);
  part.bytes = 4;
  part.blob_key = "content/" + Id(1) + "/part-a";
  part.created_at = kNow;
  META_ASSERT_OK(store().AddUploadPart(alpha().id, part, kNow));
  auto r = store().AppendUploadSegment(alpha().id, Segment(Id(1), 0, 1, kNow), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), kConflict);
  EXPECT_EQ(r.status().reason(), "upload_mode_conflict");
  META_ASSIGN_OR_FAIL(FileRecord stored, store().GetFile(alpha().id, Id(1), kNow));
  EXPECT_EQ(stored.bytes, 0u);
  // And the other way round: a session with segments (so with bytes) takes no parts.
  FileRecord other = NewFile(alpha().id, Id(2), kNow);
  other.status = FileStatus::kUploading;
  other.bytes = 0;
  Create(other);
  META_ASSERT_OK(store().AppendUploadSegment(alpha().id, Segment(Id(2), 0, 1, kNow), kNow));
  part.id = "part_b";
  part.file_id = Id(2);
  META_EXPECT_CODE(store().AddUploadPart(alpha().id, part, kNow), kConflict);
}

SEGMENTS_TEST(AnInvisibleSessionIsNotFound) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  session.expires_at = kNow + 100;
  Create(session);
  FileRecord deleted = session;
  deleted.id = Id(2);
  deleted.expires_at.reset();
  Create(deleted);
  META_ASSERT_OK(store().SoftDeleteFile(alpha().id, Id(2), kNow));

  META_EXPECT_CODE(store().AppendUploadSegment(beta().id, Segment(Id(1), 0, 1, kNow), kNow),
                   kNotFound);  // another project's
  META_EXPECT_CODE(store().AppendUploadSegment(alpha().id, Segment(Id(9), 0, 1, kNow), kNow),
                   kNotFound);  // unknown
  META_EXPECT_CODE(
      store().AppendUploadSegment(alpha().id, Segment(Id(1), 0, 1, kNow), kNow + 100),
      kNotFound);  // expired
  META_EXPECT_CODE(store().AppendUploadSegment(alpha().id, Segment(Id(2), 0, 1, kNow), kNow),
                   kNotFound);  // soft-deleted
  for (int n : {1, 2, 9}) {
    META_ASSIGN_OR_FAIL(std::vector<UploadSegmentRecord> segments,
                        store().ListUploadSegments(Id(n)));
    EXPECT_TRUE(segments.empty());
  }
}

SEGMENTS_TEST(QuotaRefusalLeavesEverythingUnchanged) {
  META_ASSERT_OK(store().SetProjectQuota(alpha().id, 100, std::nullopt));
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  META_ASSERT_OK(store().AppendUploadSegment(alpha().id, Segment(Id(1), 0, 60, kNow), kNow));
  const UploadSegmentRecord over = Segment(Id(1), 60, 41, kNow + 1);
  META_ASSERT_OK(store().RecordBlobIntent(over.blob_key, kNow));
  auto r = store().AppendUploadSegment(alpha().id, over, kNow + 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), kResourceExhausted);
  EXPECT_EQ(r.status().reason(), "storage_quota_exceeded");
  META_ASSIGN_OR_FAIL(MetadataStore::Usage usage, store().GetUsage(alpha().id, kNow + 1));
  EXPECT_EQ(usage.bytes, 60u);
  META_ASSIGN_OR_FAIL(FileRecord stored, store().GetFile(alpha().id, Id(1), kNow + 1));
  EXPECT_EQ(stored.bytes, 60u);
  META_ASSIGN_OR_FAIL(std::vector<UploadSegmentRecord> segments,
                      store().ListUploadSegments(Id(1)));
  EXPECT_EQ(segments.size(), 1u);
  META_ASSIGN_OR_FAIL(std::vector<std::string> intents, store().ListBlobIntents(kNow, 10));
  EXPECT_EQ(intents, std::vector<std::string>{over.blob_key});
  // Exactly up to the quota is fine.
  META_ASSERT_OK(store().AppendUploadSegment(alpha().id, Segment(Id(1), 60, 40, kNow), kNow + 1));
}

SEGMENTS_TEST(EmptyOrOverflowingSegmentsAreInvalid) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  META_EXPECT_CODE(store().AppendUploadSegment(alpha().id, Segment(Id(1), 0, 0, kNow), kNow),
                   kInvalidArgument);
  META_EXPECT_CODE(
      store().AppendUploadSegment(alpha().id, Segment(Id(1), 0, uint64_t{1} << 63, kNow), kNow),
      kInvalidArgument);
  META_EXPECT_CODE(store().AppendUploadSegment(
                       alpha().id, Segment(Id(1), (uint64_t{1} << 63) - 1, 1, kNow), kNow),
                   kInvalidArgument);
}

SEGMENTS_TEST(RacingAppendsAtOneOffsetExactlyOneWins) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  uint64_t offset = 0;
  for (size_t round = 0; round < 5; ++round) {
    constexpr int kRacers = 8;
    std::atomic<int> wins{0};
    std::atomic<int> conflicts{0};
    std::atomic<uint64_t> winner_bytes{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < kRacers; ++i) {
      racers.emplace_back([&, i] {
        const uint64_t bytes = 100 + static_cast<uint64_t>(i);  // distinct: the winner shows
        auto r = store().AppendUploadSegment(alpha().id, Segment(Id(1), offset, bytes, kNow), kNow);
        if (r.ok()) {
          ++wins;
          winner_bytes = bytes;
        } else if (r.status().code() == kConflict) {
          ++conflicts;
        }
      });
    }
    for (std::thread& t : racers) t.join();
    ASSERT_EQ(wins, 1) << "round " << round;
    ASSERT_EQ(conflicts, kRacers - 1) << "round " << round;
    META_ASSIGN_OR_FAIL(std::vector<UploadSegmentRecord> segments,
                        store().ListUploadSegments(Id(1)));
    ASSERT_EQ(segments.size(), round + 1);
    EXPECT_EQ(segments.back().offset, offset);
    EXPECT_EQ(segments.back().bytes, winner_bytes.load());
    offset += winner_bytes.load();
    META_ASSIGN_OR_FAIL(FileRecord stored, store().GetFile(alpha().id, Id(1), kNow));
    EXPECT_EQ(stored.bytes, offset);
  }
}

// ---- the part chain (records.h) ----

SEGMENTS_TEST(PartsGetSeqInAddOrderAndKeepTheirChain) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  FileRecord other = session;
  other.id = Id(2);
  Create(other);
  const std::vector<std::string> ids = {"part_z", "part_a", "part_m"};
  std::string prev;
  for (size_t i = 0; i < ids.size(); ++i) {
    UploadPartRecord p;
    p.id = ids[i];
    p.file_id = Id(1);
    p.bytes = 10 + i;
    p.blob_key = "content/" + Id(1) + "/" + ids[i].substr(5);
    p.created_at = kNow;  // one second: ListUploadParts orders these by id
    p.seq = 77;           // ignored: the store assigns it
    p.chain_prev = prev;
    p.sha256_state = "s1:after-" + ids[i];
    META_ASSERT_OK(store().AddUploadPart(alpha().id, p, kNow));
    prev = ids[i];
  }
  UploadPartRecord elsewhere;
  elsewhere.id = "part_q";
  elsewhere.file_id = Id(2);
  elsewhere.bytes = 1;
  elsewhere.blob_key = "content/" + Id(2) + "/q";
  elsewhere.created_at = kNow;
  META_ASSERT_OK(store().AddUploadPart(alpha().id, elsewhere, kNow));

  META_ASSIGN_OR_FAIL(std::vector<UploadPartRecord> parts, store().ListUploadParts(Id(1)));
  ASSERT_EQ(parts.size(), 3u);
  for (const UploadPartRecord& p : parts) {
    const size_t added = static_cast<size_t>(
        std::find(ids.begin(), ids.end(), p.id) - ids.begin());
    ASSERT_LT(added, ids.size()) << p.id;
    EXPECT_EQ(p.seq, added + 1) << p.id;
    EXPECT_EQ(p.chain_prev, added == 0 ? "" : ids[added - 1]);
    EXPECT_EQ(p.sha256_state, "s1:after-" + p.id);
  }
  META_ASSIGN_OR_FAIL(parts, store().ListUploadParts(Id(2)));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].seq, 1u);  // numbered per file
  EXPECT_EQ(parts[0].chain_prev, "");
  EXPECT_EQ(parts[0].sha256_state, "");
}

#undef SEGMENTS_TEST

}  // namespace
}  // namespace filesd::conformance
