#include "conformance/metadata_store_conformance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "base/crypto.h"

namespace filesd::conformance {

using StatusCode::kConflict;
using StatusCode::kNotFound;

void MetadataStoreConformanceTest::SetUp() {
  scratch_ = std::make_unique<meta_test::ScratchDir>();
  ASSERT_FALSE(scratch_->path().empty());
  Result<std::unique_ptr<MetadataStore>> made = GetParam().factory(scratch_->path());
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  store_ = std::move(made).value();
  ASSERT_NE(store_, nullptr);
  META_ASSIGN_OR_FAIL(alpha_, store_->EnsureProject("alpha", kNow));
  META_ASSIGN_OR_FAIL(beta_, store_->EnsureProject("beta", kNow));
  ASSERT_NE(alpha_.id, beta_.id);
}

void MetadataStoreConformanceTest::TearDown() {
  store_.reset();
  scratch_.reset();
}

std::string MetadataStoreConformanceTest::Id(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "00000000-0000-4000-8000-%012d", n);
  return buf;
}

FileRecord MetadataStoreConformanceTest::NewFile(const std::string& project_id,
                                                 const std::string& id, int64_t created_at) {
  FileRecord f;
  f.id = id;
  f.project_id = project_id;
  f.filename = "file-" + id + ".txt";
  f.purpose = "user_data";
  f.bytes = 10;
  f.status = FileStatus::kUploaded;
  f.mime_type = "text/plain";
  f.blob_key = "content/" + id + "/blob";
  f.created_at = created_at;
  f.updated_at = created_at;
  return f;
}

void MetadataStoreConformanceTest::Create(const FileRecord& file) {
  META_ASSERT_OK(store().CreateFile(file));
}

namespace {

void ExpectSameFile(const FileRecord& got, const FileRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.project_id, want.project_id);
  EXPECT_EQ(got.filename, want.filename);
  EXPECT_EQ(got.purpose, want.purpose);
  EXPECT_EQ(got.bytes, want.bytes);
  EXPECT_EQ(FileStatusName(got.status), FileStatusName(want.status));
  EXPECT_EQ(got.status_details, want.status_details);
  EXPECT_EQ(got.mime_type, want.mime_type);
  EXPECT_EQ(got.sha256, want.sha256);
  EXPECT_EQ(got.blob_key, want.blob_key);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
  EXPECT_EQ(got.expires_at, want.expires_at);
  EXPECT_EQ(got.processed_at, want.processed_at);
  EXPECT_EQ(got.metadata_json, want.metadata_json);
  EXPECT_EQ(got.processing_summary, want.processing_summary);
  EXPECT_EQ(got.deleted_at, want.deleted_at);
}

std::vector<std::string> Ids(const FileList& list) {
  std::vector<std::string> ids;
  for (const FileRecord& f : list.files) ids.push_back(f.id);
  return ids;
}

ListFilesQuery Query(SortOrder order, uint32_t limit = 100) {
  ListFilesQuery q;
  q.order = order;
  q.limit = limit;
  return q;
}

}  // namespace

// ---- create / get ----

TEST_P(MetadataStoreConformanceTest, CreateThenGetReturnsEveryField) {
  FileRecord full = NewFile(alpha().id, Id(1), kNow - 5);
  full.filename = "r\xC3\xA9sum\xC3\xA9 \"final\".pdf";  // UTF-8 and quotes survive
  full.purpose = "assistants";
  full.bytes = 45678;
  full.status = FileStatus::kProcessed;
  full.status_details = "details";
  full.mime_type = "application/pdf";
  full.sha256 = std::string(64, 'a');
  full.updated_at = kNow - 1;
  full.expires_at = kNow + 3600;
  full.processed_at = kNow - 1;
  full.metadata_json = R"({"type":"pdf","page_count":12,"title":"\u00e9"})";
  full.processing_summary = "PDF document with 12 pages.";
  Create(full);

  FileRecord bare = NewFile(alpha().id, Id(2), kNow);
  bare.status = FileStatus::kPending;
  bare.bytes = 0;
  bare.blob_key.clear();  // no content yet
  Create(bare);

  META_ASSIGN_OR_FAIL(FileRecord got_full, store().GetFile(alpha().id, full.id, kNow));
  ExpectSameFile(got_full, full);
  META_ASSIGN_OR_FAIL(FileRecord got_bare, store().GetFile(alpha().id, bare.id, kNow));
  ExpectSameFile(got_bare, bare);
}

TEST_P(MetadataStoreConformanceTest, EveryStatusRoundTrips) {
  const FileStatus all[] = {FileStatus::kPending,    FileStatus::kUploading, FileStatus::kUploaded,
                            FileStatus::kProcessing, FileStatus::kProcessed, FileStatus::kError};
  int n = 0;
  for (FileStatus s : all) {
    FileRecord f = NewFile(alpha().id, Id(++n), kNow);
    f.status = s;
    Create(f);
    META_ASSIGN_OR_FAIL(FileRecord got, store().GetFile(alpha().id, f.id, kNow));
    EXPECT_EQ(FileStatusName(got.status), FileStatusName(s));
  }
}

TEST_P(MetadataStoreConformanceTest, CreateWithTakenIdIsConflictAndKeepsTheFirst) {
  FileRecord first = NewFile(alpha().id, Id(1), kNow);
  Create(first);
  FileRecord second = NewFile(alpha().id, Id(1), kNow + 1);
  second.filename = "other.txt";
  META_EXPECT_CODE(store().CreateFile(second), kConflict);
  // The same id in another project is the same row: ids are global.
  META_EXPECT_CODE(store().CreateFile(NewFile(beta().id, Id(1), kNow)), kConflict);

  META_ASSIGN_OR_FAIL(FileRecord got, store().GetFile(alpha().id, first.id, kNow));
  EXPECT_EQ(got.filename, first.filename);
}

TEST_P(MetadataStoreConformanceTest, GetUnknownOrOtherProjectsFileIsNotFound) {
  Create(NewFile(alpha().id, Id(1), kNow));
  const Status unknown = store().GetFile(alpha().id, Id(99), kNow).status();
  const Status other = store().GetFile(beta().id, Id(1), kNow).status();
  EXPECT_EQ(unknown.code(), kNotFound) << unknown.ToString();
  EXPECT_EQ(other.code(), kNotFound) << other.ToString();
  META_EXPECT_CODE(store().GetFile("no-such-project", Id(1), kNow), kNotFound);
}

// ---- listing ----

TEST_P(MetadataStoreConformanceTest, ListDescendingByCreatedAtThenId) {
  Create(NewFile(alpha().id, Id(2), 100));
  Create(NewFile(alpha().id, Id(5), 200));
  Create(NewFile(alpha().id, Id(1), 100));
  Create(NewFile(alpha().id, Id(4), 50));
  Create(NewFile(alpha().id, Id(3), 100));
  ListFilesQuery q;  // defaults: desc, limit 100
  META_ASSIGN_OR_FAIL(FileList list, store().ListFiles(alpha().id, q, kNow));
  EXPECT_EQ(Ids(list), (std::vector<std::string>{Id(5), Id(3), Id(2), Id(1), Id(4)}));
  EXPECT_EQ(list.total, 5u);
  EXPECT_FALSE(list.has_more);
}

TEST_P(MetadataStoreConformanceTest, ListAscendingByCreatedAtThenId) {
  Create(NewFile(alpha().id, Id(2), 100));
  Create(NewFile(alpha().id, Id(5), 200));
  Create(NewFile(alpha().id, Id(1), 100));
  Create(NewFile(alpha().id, Id(4), 50));
  Create(NewFile(alpha().id, Id(3), 100));
  META_ASSIGN_OR_FAIL(FileList list, store().ListFiles(alpha().id, Query(SortOrder::kAsc), kNow));
  EXPECT_EQ(Ids(list), (std::vector<std::string>{Id(4), Id(1), Id(2), Id(3), Id(5)}));
  EXPECT_EQ(list.total, 5u);
  EXPECT_FALSE(list.has_more);
  // Whole records come back, not just ids.
  ASSERT_EQ(list.files.size(), 5u);
  ExpectSameFile(list.files[0], NewFile(alpha().id, Id(4), 50));
}

TEST_P(MetadataStoreConformanceTest, ListPagesWithLimitOffsetTotalAndHasMore) {
  for (int i = 1; i <= 5; ++i) Create(NewFile(alpha().id, Id(i), 100 + i));
  auto page = [&](uint64_t offset) {
    ListFilesQuery q = Query(SortOrder::kAsc, 2);
    q.offset = offset;
    Result<FileList> r = store().ListFiles(alpha().id, q, kNow);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : FileList{};
  };
  FileList p0 = page(0);
  EXPECT_EQ(Ids(p0), (std::vector<std::string>{Id(1), Id(2)}));
  EXPECT_TRUE(p0.has_more);
  EXPECT_EQ(p0.total, 5u);
  FileList p2 = page(2);
  EXPECT_EQ(Ids(p2), (std::vector<std::string>{Id(3), Id(4)}));
  EXPECT_TRUE(p2.has_more);
  EXPECT_EQ(p2.total, 5u);
  FileList p4 = page(4);
  EXPECT_EQ(Ids(p4), (std::vector<std::string>{Id(5)}));
  EXPECT_FALSE(p4.has_more);
  EXPECT_EQ(p4.total, 5u);
  FileList beyond = page(10);
  EXPECT_TRUE(beyond.files.empty());
  EXPECT_FALSE(beyond.has_more);
  EXPECT_EQ(beyond.total, 5u);

  // A limit that takes exactly what is left: no more.
  META_ASSIGN_OR_FAIL(FileList exact,
                      store().ListFiles(alpha().id, Query(SortOrder::kDesc, 5), kNow));
  EXPECT_EQ(exact.files.size(), 5u);
  EXPECT_FALSE(exact.has_more);
  META_ASSIGN_OR_FAIL(FileList one_short,
                      store().ListFiles(alpha().id, Query(SortOrder::kDesc, 4), kNow));
  EXPECT_EQ(Ids(one_short), (std::vector<std::string>{Id(5), Id(4), Id(3), Id(2)}));
  EXPECT_TRUE(one_short.has_more);
}

TEST_P(MetadataStoreConformanceTest, ListAfterCursorIsRelativeToCreatedAtAndIdInOrder) {
  // desc: 5 (t=200), 3, 2, 1 (t=100), 4 (t=50); asc is the reverse.
  Create(NewFile(alpha().id, Id(2), 100));
  Create(NewFile(alpha().id, Id(5), 200));
  Create(NewFile(alpha().id, Id(1), 100));
  Create(NewFile(alpha().id, Id(4), 50));
  Create(NewFile(alpha().id, Id(3), 100));

  ListFilesQuery desc = Query(SortOrder::kDesc);
  desc.after_id = Id(3);  // inside the tie: only 2 and 1 of t=100 follow it
  META_ASSIGN_OR_FAIL(FileList d, store().ListFiles(alpha().id, desc, kNow));
  EXPECT_EQ(Ids(d), (std::vector<std::string>{Id(2), Id(1), Id(4)}));
  EXPECT_EQ(d.total, 5u);  // the total ignores paging
  EXPECT_FALSE(d.has_more);

  ListFilesQuery asc = Query(SortOrder::kAsc);
  asc.after_id = Id(2);
  META_ASSIGN_OR_FAIL(FileList a, store().ListFiles(alpha().id, asc, kNow));
  EXPECT_EQ(Ids(a), (std::vector<std::string>{Id(3), Id(5)}));

  // Cursor and limit: has_more counts only what follows the cursor.
  ListFilesQuery limited = Query(SortOrder::kDesc, 2);
  limited.after_id = Id(5);
  META_ASSIGN_OR_FAIL(FileList l, store().ListFiles(alpha().id, limited, kNow));
  EXPECT_EQ(Ids(l), (std::vector<std::string>{Id(3), Id(2)}));
  EXPECT_TRUE(l.has_more);
  limited.after_id = Id(2);
  META_ASSIGN_OR_FAIL(FileList l2, store().ListFiles(alpha().id, limited, kNow));
  EXPECT_EQ(Ids(l2), (std::vector<std::string>{Id(1), Id(4)}));
  EXPECT_FALSE(l2.has_more);

  // Cursor and offset: the offset skips rows after the cursor.
  ListFilesQuery skip = Query(SortOrder::kDesc);
  skip.after_id = Id(5);
  skip.offset = 1;
  META_ASSIGN_OR_FAIL(FileList s, store().ListFiles(alpha().id, skip, kNow));
  EXPECT_EQ(Ids(s), (std::vector<std::string>{Id(2), Id(1), Id(4)}));

  // The last file as cursor: nothing follows.
  ListFilesQuery last = Query(SortOrder::kAsc);
  last.after_id = Id(5);
  META_ASSIGN_OR_FAIL(FileList e, store().ListFiles(alpha().id, last, kNow));
  EXPECT_TRUE(e.files.empty());
  EXPECT_FALSE(e.has_more);
}

TEST_P(MetadataStoreConformanceTest, ListAfterAnInvisibleFileIsNotFound) {
  Create(NewFile(alpha().id, Id(1), 100));
  Create(NewFile(beta().id, Id(2), 100));
  FileRecord deleted = NewFile(alpha().id, Id(3), 100);
  Create(deleted);
  META_ASSERT_OK(store().SoftDeleteFile(alpha().id, deleted.id, kNow));
  FileRecord expired = NewFile(alpha().id, Id(4), 100);
  expired.expires_at = kNow;
  Create(expired);

  for (const std::string& after : {Id(99), Id(2), Id(3), Id(4)}) {
    ListFilesQuery q;
    q.after_id = after;
    META_EXPECT_CODE(store().ListFiles(alpha().id, q, kNow), kNotFound);
  }
  ListFilesQuery ok;
  ok.after_id = Id(1);
  META_EXPECT_OK(store().ListFiles(alpha().id, ok, kNow));
}

TEST_P(MetadataStoreConformanceTest, ListFiltersByPurposeWithMatchingTotal) {
  const char* purposes[] = {"assistants", "batch", "assistants", "vision", "assistants"};
  for (int i = 0; i < 5; ++i) {
    FileRecord f = NewFile(alpha().id, Id(i + 1), 100 + i);
    f.purpose = purposes[i];
    Create(f);
  }
  ListFilesQuery q = Query(SortOrder::kAsc, 2);
  q.purpose = "assistants";
  META_ASSIGN_OR_FAIL(FileList first, store().ListFiles(alpha().id, q, kNow));
  EXPECT_EQ(Ids(first), (std::vector<std::string>{Id(1), Id(3)}));
  EXPECT_EQ(first.total, 3u);
  EXPECT_TRUE(first.has_more);

  // The cursor may be any visible file of the project, whatever its purpose.
  q.after_id = Id(2);
  META_ASSIGN_OR_FAIL(FileList after, store().ListFiles(alpha().id, q, kNow));
  EXPECT_EQ(Ids(after), (std::vector<std::string>{Id(3), Id(5)}));
  EXPECT_EQ(after.total, 3u);
  EXPECT_FALSE(after.has_more);

  ListFilesQuery none;
  none.purpose = "evals";
  META_ASSIGN_OR_FAIL(FileList empty, store().ListFiles(alpha().id, none, kNow));
  EXPECT_TRUE(empty.files.empty());
  EXPECT_EQ(empty.total, 0u);
  EXPECT_FALSE(empty.has_more);
}

TEST_P(MetadataStoreConformanceTest, ListShowsOnlyTheProjectsOwnFiles) {
  Create(NewFile(alpha().id, Id(1), 100));
  Create(NewFile(alpha().id, Id(2), 101));
  Create(NewFile(beta().id, Id(3), 102));
  META_ASSIGN_OR_FAIL(FileList a, store().ListFiles(alpha().id, ListFilesQuery{}, kNow));
  EXPECT_EQ(Ids(a), (std::vector<std::string>{Id(2), Id(1)}));
  EXPECT_EQ(a.total, 2u);
  META_ASSIGN_OR_FAIL(FileList b, store().ListFiles(beta().id, ListFilesQuery{}, kNow));
  EXPECT_EQ(Ids(b), (std::vector<std::string>{Id(3)}));
  EXPECT_EQ(b.total, 1u);
  META_ASSIGN_OR_FAIL(FileList none, store().ListFiles("no-such-project", ListFilesQuery{}, kNow));
  EXPECT_TRUE(none.files.empty());
  EXPECT_EQ(none.total, 0u);
}

// ---- soft delete and expiry ----

TEST_P(MetadataStoreConformanceTest, SoftDeleteHidesTheFileEverywhere) {
  FileRecord keep = NewFile(alpha().id, Id(1), 100);
  keep.bytes = 7;
  FileRecord gone = NewFile(alpha().id, Id(2), 101);
  gone.bytes = 1000;
  Create(keep);
  Create(gone);

  // Another project cannot delete it, and its attempt changes nothing.
  META_EXPECT_CODE(store().SoftDeleteFile(beta().id, gone.id, kNow), kNotFound);
  META_EXPECT_OK(store().GetFile(alpha().id, gone.id, kNow));

  META_ASSERT_OK(store().SoftDeleteFile(alpha().id, gone.id, kNow));
  META_EXPECT_CODE(store().GetFile(alpha().id, gone.id, kNow), kNotFound);
  META_EXPECT_CODE(store().SoftDeleteFile(alpha().id, gone.id, kNow), kNotFound);
  META_EXPECT_CODE(store().SoftDeleteFile(alpha().id, gone.id, kNow + 100), kNotFound);
  META_EXPECT_CODE(store().SoftDeleteFile(alpha().id, Id(99), kNow), kNotFound);

  META_ASSIGN_OR_FAIL(FileList list, store().ListFiles(alpha().id, ListFilesQuery{}, kNow));
  EXPECT_EQ(Ids(list), (std::vector<std::string>{Id(1)}));
  EXPECT_EQ(list.total, 1u);
  META_ASSIGN_OR_FAIL(MetadataStore::Usage usage, store().GetUsage(alpha().id, kNow));
  EXPECT_EQ(usage.files, 1u);
  EXPECT_EQ(usage.bytes, 7u);

  FileRecord changed = gone;
  changed.filename = "renamed.txt";
  META_EXPECT_CODE(store().UpdateFile(changed, FilePrecondition{}, kNow), kNotFound);
}

TEST_P(MetadataStoreConformanceTest, ExpiredFilesAreInvisibleFromTheirExpiryOn) {
  FileRecord f = NewFile(alpha().id, Id(1), 100);
  f.bytes = 5;
  f.expires_at = kNow + 10;
  Create(f);
  Create(NewFile(alpha().id, Id(2), 101));  // never expires

  META_EXPECT_OK(store().GetFile(alpha().id, f.id, kNow + 9));
  META_EXPECT_CODE(store().GetFile(alpha().id, f.id, kNow + 10), kNotFound);
  META_EXPECT_CODE(store().GetFile(alpha().id, f.id, kNow + 11), kNotFound);

  META_ASSIGN_OR_FAIL(FileList before, store().ListFiles(alpha().id, ListFilesQuery{}, kNow + 9));
  EXPECT_EQ(before.total, 2u);
  META_ASSIGN_OR_FAIL(FileList after, store().ListFiles(alpha().id, ListFilesQuery{}, kNow + 10));
  EXPECT_EQ(Ids(after), (std::vector<std::string>{Id(2)}));
  EXPECT_EQ(after.total, 1u);

  META_ASSIGN_OR_FAIL(MetadataStore::Usage u1, store().GetUsage(alpha().id, kNow + 9));
  EXPECT_EQ(u1.files, 2u);
  EXPECT_EQ(u1.bytes, 15u);
  META_ASSIGN_OR_FAIL(MetadataStore::Usage u2, store().GetUsage(alpha().id, kNow + 10));
  EXPECT_EQ(u2.files, 1u);
  EXPECT_EQ(u2.bytes, 10u);

  META_EXPECT_CODE(store().SoftDeleteFile(alpha().id, f.id, kNow + 10), kNotFound);
  META_EXPECT_CODE(store().UpdateFile(f, FilePrecondition{}, kNow + 10), kNotFound);
  // Still visible (and deletable) before its expiry.
  META_EXPECT_OK(store().SoftDeleteFile(alpha().id, f.id, kNow + 9));
}

// ---- conditional updates ----

TEST_P(MetadataStoreConformanceTest, UpdateReplacesTheMutableColumns) {
  FileRecord f = NewFile(alpha().id, Id(1), 100);
  f.status = FileStatus::kUploading;
  f.bytes = 3;
  Create(f);

  FileRecord updated = f;
  updated.filename = "final.csv";
  updated.purpose = "batch";
  updated.bytes = 300;
  updated.status = FileStatus::kProcessed;
  updated.status_details = "ok";
  updated.mime_type = "text/csv";
  updated.sha256 = std::string(64, 'f');
  updated.blob_key = "content/" + f.id + "/second";
  updated.updated_at = 200;
  updated.expires_at = kNow + 99;
  updated.processed_at = 199;
  updated.metadata_json = R"({"type":"csv"})";
  updated.processing_summary = "CSV file.";
  FilePrecondition expect;
  expect.status = FileStatus::kUploading;
  expect.bytes = 3;
  expect.blob_key = f.blob_key;
  META_ASSERT_OK(store().UpdateFile(updated, expect, kNow));

  META_ASSIGN_OR_FAIL(FileRecord got, store().GetFile(alpha().id, f.id, kNow));
  ExpectSameFile(got, updated);

  // Optional columns can be cleared again, with no precondition at all.
  FileRecord cleared = updated;
  cleared.status_details.reset();
  cleared.sha256.reset();
  cleared.expires_at.reset();
  cleared.processed_at.reset();
  cleared.metadata_json.reset();
  cleared.processing_summary.reset();
  META_ASSERT_OK(store().UpdateFile(cleared, FilePrecondition{}, kNow));
  META_ASSIGN_OR_FAIL(FileRecord got2, store().GetFile(alpha().id, f.id, kNow));
  ExpectSameFile(got2, cleared);
}

TEST_P(MetadataStoreConformanceTest, UpdateWithFailedPreconditionIsConflictAndChangesNothing) {
  FileRecord f = NewFile(alpha().id, Id(1), 100);
  f.status = FileStatus::kUploading;
  f.bytes = 3;
  Create(f);
  FileRecord updated = f;
  updated.status = FileStatus::kUploaded;
  updated.bytes = 99;

  FilePrecondition wrong_status;
  wrong_status.status = FileStatus::kPending;
  META_EXPECT_CODE(store().UpdateFile(updated, wrong_status, kNow), kConflict);

  FilePrecondition wrong_bytes;
  wrong_bytes.status = FileStatus::kUploading;
  wrong_bytes.bytes = 4;
  META_EXPECT_CODE(store().UpdateFile(updated, wrong_bytes, kNow), kConflict);

  FilePrecondition wrong_key;
  wrong_key.blob_key = "content/" + f.id + "/other";
  META_EXPECT_CODE(store().UpdateFile(updated, wrong_key, kNow), kConflict);

  META_ASSIGN_OR_FAIL(FileRecord got, store().GetFile(alpha().id, f.id, kNow));
  ExpectSameFile(got, f);
}

TEST_P(MetadataStoreConformanceTest, UpdateOfAnInvisibleFileIsNotFound) {
  FileRecord f = NewFile(alpha().id, Id(1), 100);
  Create(f);

  FileRecord unknown = NewFile(alpha().id, Id(99), 100);
  META_EXPECT_CODE(store().UpdateFile(unknown, FilePrecondition{}, kNow), kNotFound);

  // Another project naming alpha's id: not found, and alpha's row is untouched. Not found wins
  // over a failing precondition.
  FileRecord hijack = f;
  hijack.project_id = beta().id;
  hijack.filename = "stolen.txt";
  META_EXPECT_CODE(store().UpdateFile(hijack, FilePrecondition{}, kNow), kNotFound);
  FilePrecondition wrong;
  wrong.status = FileStatus::kError;
  META_EXPECT_CODE(store().UpdateFile(hijack, wrong, kNow), kNotFound);
  META_ASSIGN_OR_FAIL(FileRecord got, store().GetFile(alpha().id, f.id, kNow));
  EXPECT_EQ(got.filename, f.filename);
}

TEST_P(MetadataStoreConformanceTest, ConcurrentConditionalUpdatesLetExactlyOneWin) {
  FileRecord f = NewFile(alpha().id, Id(1), 100);
  f.status = FileStatus::kUploading;
  Create(f);

  constexpr int kThreads = 8;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      FileRecord mine = f;
      mine.status = FileStatus::kUploaded;
      mine.bytes = 1000 + static_cast<uint64_t>(t);
      FilePrecondition expect;
      expect.status = FileStatus::kUploading;
      results[t] = store().UpdateFile(mine, expect, kNow);
    });
  }
  go = true;
  for (std::thread& th : threads) th.join();

  int winners = 0;
  int winner = -1;
  for (int t = 0; t < kThreads; ++t) {
    if (results[t].ok()) {
      ++winners;
      winner = t;
    } else {
      EXPECT_EQ(results[t].code(), kConflict) << results[t].ToString();
    }
  }
  ASSERT_EQ(winners, 1);
  META_ASSIGN_OR_FAIL(FileRecord got, store().GetFile(alpha().id, f.id, kNow));
  EXPECT_EQ(got.bytes, 1000u + static_cast<uint64_t>(winner));
  EXPECT_EQ(got.status, FileStatus::kUploaded);
}

// ---- blob intents ----

TEST_P(MetadataStoreConformanceTest, BlobIntentsListOldestFirstUpToTheirTime) {
  META_ASSERT_OK(store().RecordBlobIntent("content/a/1", 100));
  META_ASSERT_OK(store().RecordBlobIntent("content/c/1", 200));
  META_ASSERT_OK(store().RecordBlobIntent("content/b/1", 150));

  META_ASSIGN_OR_FAIL(std::vector<std::string> upto150, store().ListBlobIntents(150, 10));
  EXPECT_EQ(upto150, (std::vector<std::string>{"content/a/1", "content/b/1"}));
  META_ASSIGN_OR_FAIL(std::vector<std::string> all, store().ListBlobIntents(1000, 10));
  EXPECT_EQ(all, (std::vector<std::string>{"content/a/1", "content/b/1", "content/c/1"}));
  META_ASSIGN_OR_FAIL(std::vector<std::string> one, store().ListBlobIntents(1000, 1));
  EXPECT_EQ(one, (std::vector<std::string>{"content/a/1"}));
  META_ASSIGN_OR_FAIL(std::vector<std::string> none, store().ListBlobIntents(99, 10));
  EXPECT_TRUE(none.empty());

  // Recording again is a no-op: the intent keeps its first time.
  META_ASSERT_OK(store().RecordBlobIntent("content/a/1", 500));
  META_ASSIGN_OR_FAIL(std::vector<std::string> again, store().ListBlobIntents(100, 10));
  EXPECT_EQ(again, (std::vector<std::string>{"content/a/1"}));

  META_ASSERT_OK(store().RemoveBlobIntent("content/a/1"));
  META_ASSERT_OK(store().RemoveBlobIntent("content/a/1"));  // idempotent
  META_ASSERT_OK(store().RemoveBlobIntent("content/never/1"));
  META_ASSIGN_OR_FAIL(std::vector<std::string> rest, store().ListBlobIntents(1000, 10));
  EXPECT_EQ(rest, (std::vector<std::string>{"content/b/1", "content/c/1"}));
}

TEST_P(MetadataStoreConformanceTest, CreateFileAdoptsItsBlobIntent) {
  FileRecord f = NewFile(alpha().id, Id(1), 100);
  META_ASSERT_OK(store().RecordBlobIntent(f.blob_key, 100));
  META_ASSERT_OK(store().RecordBlobIntent("content/other/1", 100));
  Create(f);
  META_ASSIGN_OR_FAIL(std::vector<std::string> left, store().ListBlobIntents(1000, 10));
  EXPECT_EQ(left, (std::vector<std::string>{"content/other/1"}));
}

TEST_P(MetadataStoreConformanceTest, RefusedCreateKeepsTheBlobIntent) {
  FileRecord first = NewFile(alpha().id, Id(1), 100);
  Create(first);
  FileRecord clash = NewFile(alpha().id, Id(1), 100);
  clash.blob_key = "content/clash/1";
  META_ASSERT_OK(store().RecordBlobIntent(clash.blob_key, 100));
  META_EXPECT_CODE(store().CreateFile(clash), kConflict);
  // Same transaction: the failed insert removed nothing, so the janitor still finds the blob.
  META_ASSIGN_OR_FAIL(std::vector<std::string> left, store().ListBlobIntents(1000, 10));
  EXPECT_EQ(left, (std::vector<std::string>{"content/clash/1"}));
}

TEST_P(MetadataStoreConformanceTest, UpdateFileAdoptsTheNewBlobIntentOnlyWhenItApplies) {
  FileRecord f = NewFile(alpha().id, Id(1), 100);
  f.status = FileStatus::kUploading;
  Create(f);
  META_ASSERT_OK(store().RecordBlobIntent("content/1/second", 100));
  META_ASSERT_OK(store().RecordBlobIntent("content/1/third", 100));

  FileRecord refused = f;
  refused.blob_key = "content/1/third";
  FilePrecondition wrong;
  wrong.status = FileStatus::kProcessed;
  META_EXPECT_CODE(store().UpdateFile(refused, wrong, kNow), kConflict);

  FileRecord applied = f;
  applied.blob_key = "content/1/second";
  FilePrecondition right;
  right.status = FileStatus::kUploading;
  META_ASSERT_OK(store().UpdateFile(applied, right, kNow));

  META_ASSIGN_OR_FAIL(std::vector<std::string> left, store().ListBlobIntents(1000, 10));
  EXPECT_EQ(left, (std::vector<std::string>{"content/1/third"}));
}

// ---- purge ----

TEST_P(MetadataStoreConformanceTest, PurgeableFilesAreOldDeletionsAndExpiriesUntilPurged) {
  // Created in the order the janitor should see them (oldest first).
  FileRecord old_delete = NewFile(alpha().id, Id(1), 100);
  FileRecord expired = NewFile(beta().id, Id(2), 110);  // every project
  expired.expires_at = kNow;                            // expires exactly now: purgeable
  FileRecord edge_delete = NewFile(alpha().id, Id(3), 120);
  FileRecord recent_delete = NewFile(alpha().id, Id(4), 130);
  FileRecord live = NewFile(alpha().id, Id(5), 140);
  FileRecord later = NewFile(alpha().id, Id(6), 150);
  later.expires_at = kNow + 1;
  for (const FileRecord& f : {old_delete, expired, edge_delete, recent_delete, live, later}) {
    Create(f);
  }
  META_ASSERT_OK(store().SoftDeleteFile(alpha().id, old_delete.id, kNow - 100));
  META_ASSERT_OK(store().SoftDeleteFile(alpha().id, edge_delete.id, kNow - 50));
  META_ASSERT_OK(store().SoftDeleteFile(alpha().id, recent_delete.id, kNow - 10));

  const int64_t deleted_before = kNow - 50;  // inclusive
  META_ASSIGN_OR_FAIL(std::vector<FileRecord> rows,
                      store().ListPurgeableFiles(deleted_before, kNow, 10));
  std::vector<std::string> ids;
  for (const FileRecord& f : rows) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{Id(1), Id(2), Id(3)}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].deleted_at, std::optional<int64_t>(kNow - 100));
  EXPECT_EQ(rows[0].blob_key, old_delete.blob_key);  // what the janitor deletes

  META_ASSIGN_OR_FAIL(std::vector<FileRecord> first,
                      store().ListPurgeableFiles(deleted_before, kNow, 1));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, Id(1));
  // Not purged yet: returned again (an interrupted janitor retries).
  META_ASSIGN_OR_FAIL(std::vector<FileRecord> again,
                      store().ListPurgeableFiles(deleted_before, kNow, 1));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, Id(1));

  META_ASSERT_OK(store().PurgeFile(Id(1)));
  META_ASSERT_OK(store().PurgeFile(Id(1)));   // idempotent
  META_ASSERT_OK(store().PurgeFile(Id(99)));  // unknown: fine
  META_ASSIGN_OR_FAIL(std::vector<FileRecord> after,
                      store().ListPurgeableFiles(deleted_before, kNow, 10));
  ids.clear();
  for (const FileRecord& f : after) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{Id(2), Id(3)}));

  // Purging a live row removes it too (the janitor only asks for purgeable ones, but it is final).
  META_ASSERT_OK(store().PurgeFile(live.id));
  META_EXPECT_CODE(store().GetFile(alpha().id, live.id, kNow), kNotFound);
  // A purged id is free again.
  META_EXPECT_OK(store().CreateFile(NewFile(alpha().id, Id(1), 300)));
}

TEST_P(MetadataStoreConformanceTest, StalePendingFilesAreListedOldestFirstAndOnlyThose) {
  FileRecord old_pending = NewFile(alpha().id, Id(1), kNow - 300);
  old_pending.status = FileStatus::kPending;
  FileRecord older_pending = NewFile(beta().id, Id(2), kNow - 400);  // any project
  older_pending.status = FileStatus::kPending;
  FileRecord new_pending = NewFile(alpha().id, Id(3), kNow - 10);
  new_pending.status = FileStatus::kPending;
  FileRecord old_uploaded = NewFile(alpha().id, Id(4), kNow - 500);  // not pending
  for (const FileRecord* f : {&old_pending, &older_pending, &new_pending, &old_uploaded}) {
    META_ASSERT_OK(store().CreateFile(*f));
  }
  META_ASSIGN_OR_FAIL(std::vector<FileRecord> rows, store().ListStalePendingFiles(kNow - 100, 10));
  std::vector<std::string> ids;
  for (const FileRecord& f : rows) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{Id(2), Id(1)}));
  META_ASSIGN_OR_FAIL(std::vector<FileRecord> one, store().ListStalePendingFiles(kNow - 100, 1));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].id, Id(2));
  // Once it has content it is no longer pending.
  FileRecord uploaded = old_pending;
  uploaded.status = FileStatus::kUploaded;
  uploaded.blob_key = "content/" + Id(1) + "/x";
  FilePrecondition was_pending;
  was_pending.status = FileStatus::kPending;
  META_ASSERT_OK(store().UpdateFile(uploaded, was_pending, kNow));
  META_ASSIGN_OR_FAIL(std::vector<FileRecord> after, store().ListStalePendingFiles(kNow - 100, 10));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, Id(2));
}

// ---- projects and keys ----

TEST_P(MetadataStoreConformanceTest, EnsureProjectIsIdempotentAndProjectsAreFound) {
  META_ASSIGN_OR_FAIL(Project again, store().EnsureProject("alpha", kNow + 100));
  EXPECT_EQ(again.id, alpha().id);
  EXPECT_EQ(again.name, "alpha");
  EXPECT_EQ(again.created_at, kNow);  // the first creation's time
  EXPECT_FALSE(again.quota_bytes.has_value());
  EXPECT_FALSE(again.quota_files.has_value());
  EXPECT_TRUE(IsUuid(alpha().id)) << alpha().id;

  META_ASSIGN_OR_FAIL(Project by_name, store().GetProjectByName("beta"));
  EXPECT_EQ(by_name.id, beta().id);
  META_ASSIGN_OR_FAIL(Project by_id, store().GetProject(beta().id));
  EXPECT_EQ(by_id.name, "beta");
  EXPECT_EQ(by_id.created_at, kNow);
  META_EXPECT_CODE(store().GetProjectByName("gamma"), kNotFound);
  META_EXPECT_CODE(store().GetProject(Id(42)), kNotFound);
}

TEST_P(MetadataStoreConformanceTest, ProjectQuotasCanBeSetAndCleared) {
  META_ASSERT_OK(store().SetProjectQuota(alpha().id, 1'000'000'000'000ull, 5000));
  META_ASSIGN_OR_FAIL(Project p, store().GetProject(alpha().id));
  EXPECT_EQ(p.quota_bytes, std::optional<uint64_t>(1'000'000'000'000ull));
  EXPECT_EQ(p.quota_files, std::optional<uint64_t>(5000));
  META_ASSIGN_OR_FAIL(Project other, store().GetProject(beta().id));
  EXPECT_FALSE(other.quota_bytes.has_value());

  META_ASSERT_OK(store().SetProjectQuota(alpha().id, std::nullopt, 7));
  META_ASSIGN_OR_FAIL(Project p2, store().GetProjectByName("alpha"));
  EXPECT_FALSE(p2.quota_bytes.has_value());
  EXPECT_EQ(p2.quota_files, std::optional<uint64_t>(7));

  META_EXPECT_CODE(store().SetProjectQuota(Id(42), 1, 1), kNotFound);
}

TEST_P(MetadataStoreConformanceTest, ApiKeysInsertGetListRevokeAndCount) {
  ApiKeyRecord k1{"keyaaaaaaaa1", alpha().id, std::string(64, '1'), 300, std::nullopt, kNow + 60};
  ApiKeyRecord k2{"keyaaaaaaaa2", alpha().id,  std::string(64, '2'), 100,
                  std::nullopt,   std::nullopt};
  ApiKeyRecord k3{"keyaaaaaaaa3", beta().id, std::string(64, '3'), 200, std::nullopt, std::nullopt};
  META_ASSERT_OK(store().InsertApiKey(k1));
  META_ASSERT_OK(store().InsertApiKey(k2));
  META_ASSERT_OK(store().InsertApiKey(k3));

  ApiKeyRecord dup = k1;
  dup.project_id = beta().id;
  META_EXPECT_CODE(store().InsertApiKey(dup), kConflict);

  META_ASSIGN_OR_FAIL(ApiKeyRecord got, store().GetApiKey("keyaaaaaaaa1"));
  EXPECT_EQ(got.key_id, k1.key_id);
  EXPECT_EQ(got.project_id, alpha().id);  // the duplicate did not overwrite it
  EXPECT_EQ(got.secret_hash, k1.secret_hash);
  EXPECT_EQ(got.created_at, 300);
  EXPECT_FALSE(got.revoked_at.has_value());
  EXPECT_EQ(got.expires_at, std::optional<int64_t>(kNow + 60));
  META_EXPECT_CODE(store().GetApiKey("nosuchkey000"), kNotFound);

  META_ASSIGN_OR_FAIL(std::vector<ApiKeyRecord> keys, store().ListApiKeys());
  std::vector<std::string> ids;
  for (const ApiKeyRecord& k : keys) ids.push_back(k.key_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"keyaaaaaaaa2", "keyaaaaaaaa3", "keyaaaaaaaa1"}));

  META_ASSERT_OK(store().RevokeApiKey("keyaaaaaaaa2", kNow));
  META_ASSERT_OK(store().RevokeApiKey("keyaaaaaaaa2", kNow + 500));  // already revoked: OK
  META_ASSIGN_OR_FAIL(ApiKeyRecord revoked, store().GetApiKey("keyaaaaaaaa2"));
  EXPECT_EQ(revoked.revoked_at, std::optional<int64_t>(kNow));  // time unchanged
  META_EXPECT_CODE(store().RevokeApiKey("nosuchkey000", kNow), kNotFound);
  META_ASSIGN_OR_FAIL(ApiKeyRecord untouched, store().GetApiKey("keyaaaaaaaa1"));
  EXPECT_FALSE(untouched.revoked_at.has_value());

  META_ASSIGN_OR_FAIL(uint64_t alpha_keys, store().CountApiKeys(alpha().id));
  EXPECT_EQ(alpha_keys, 2u);  // revoked keys count
  META_ASSIGN_OR_FAIL(uint64_t beta_keys, store().CountApiKeys(beta().id));
  EXPECT_EQ(beta_keys, 1u);
  META_ASSIGN_OR_FAIL(uint64_t no_keys, store().CountApiKeys(Id(42)));
  EXPECT_EQ(no_keys, 0u);
}

// ---- usage, readiness, concurrency ----

TEST_P(MetadataStoreConformanceTest, UsageCountsVisibleFilesOfTheProject) {
  META_ASSIGN_OR_FAIL(MetadataStore::Usage empty, store().GetUsage(alpha().id, kNow));
  EXPECT_EQ(empty.files, 0u);
  EXPECT_EQ(empty.bytes, 0u);

  FileRecord a = NewFile(alpha().id, Id(1), 100);
  a.bytes = 10;
  FileRecord b = NewFile(alpha().id, Id(2), 100);
  b.bytes = 5'000'000'000ull;  // beyond 32 bits
  FileRecord c = NewFile(beta().id, Id(3), 100);
  c.bytes = 999;
  Create(a);
  Create(b);
  Create(c);
  META_ASSIGN_OR_FAIL(MetadataStore::Usage u, store().GetUsage(alpha().id, kNow));
  EXPECT_EQ(u.files, 2u);
  EXPECT_EQ(u.bytes, 5'000'000'010ull);
  META_ASSIGN_OR_FAIL(MetadataStore::Usage ub, store().GetUsage(beta().id, kNow));
  EXPECT_EQ(ub.files, 1u);
  EXPECT_EQ(ub.bytes, 999u);
}

TEST_P(MetadataStoreConformanceTest, CreateAndGrowthAreRefusedPastTheProjectsQuotas) {
  META_ASSERT_OK(store().SetProjectQuota(alpha().id, 100, 3));
  FileRecord a = NewFile(alpha().id, Id(1), kNow);
  a.bytes = 60;
  Create(a);
  FileRecord too_big = NewFile(alpha().id, Id(2), kNow);
  too_big.bytes = 41;
  Status refused = store().CreateFile(too_big);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
  EXPECT_EQ(refused.reason(), "storage_quota_exceeded");
  META_EXPECT_CODE(store().GetFile(alpha().id, Id(2), kNow), kNotFound);
  too_big.bytes = 40;  // exactly up to the quota
  Create(too_big);

  // Another project is not limited by alpha's quota.
  FileRecord other = NewFile(beta().id, Id(3), kNow);
  other.bytes = 1000;
  Create(other);

  // The file count: an empty third file fits, a fourth does not, whatever its size.
  FileRecord empty = NewFile(alpha().id, Id(4), kNow);
  empty.bytes = 0;
  empty.status = FileStatus::kPending;
  Create(empty);
  FileRecord fourth = NewFile(alpha().id, Id(5), kNow);
  fourth.bytes = 0;
  META_EXPECT_CODE(store().CreateFile(fourth), StatusCode::kResourceExhausted);

  // Growth of an existing file counts against the byte quota; shrinking always passes.
  FileRecord grown = empty;
  grown.bytes = 1;
  META_EXPECT_CODE(store().UpdateFile(grown, FilePrecondition{}, kNow),
                   StatusCode::kResourceExhausted);
  META_ASSIGN_OR_FAIL(FileRecord still, store().GetFile(alpha().id, Id(4), kNow));
  EXPECT_EQ(still.bytes, 0u);
  FileRecord shrunk = a;
  shrunk.bytes = 50;
  META_ASSERT_OK(store().UpdateFile(shrunk, FilePrecondition{}, kNow));
  META_ASSERT_OK(store().UpdateFile(grown, FilePrecondition{}, kNow));
  // A file that is already invisible (deleted, or expired at birth) takes no room.
  FileRecord expired = NewFile(alpha().id, Id(6), kNow);
  expired.expires_at = kNow;
  expired.bytes = 500;
  Create(expired);

  // A quota lowered below the usage refuses growth but not unchanged updates.
  META_ASSERT_OK(store().SetProjectQuota(alpha().id, 10, std::nullopt));
  META_ASSERT_OK(store().UpdateFile(shrunk, FilePrecondition{}, kNow));
  FileRecord regrow = shrunk;
  regrow.bytes = 51;
  META_EXPECT_CODE(store().UpdateFile(regrow, FilePrecondition{}, kNow),
                   StatusCode::kResourceExhausted);
}

TEST_P(MetadataStoreConformanceTest, ConcurrentCreatesNeverPassTheQuotaTogether) {
  constexpr int kThreads = 8;
  constexpr uint64_t kQuota = 1000;
  META_ASSERT_OK(store().SetProjectQuota(alpha().id, kQuota, std::nullopt));
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        FileRecord f = NewFile(alpha().id, Id(1000 + t * 100 + i), kNow);
        f.bytes = 30;
        const Status s = store().CreateFile(f);
        if (s.ok()) {
          ++created;
        } else if (s.code() == StatusCode::kResourceExhausted) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(created.load(), static_cast<int>(kQuota / 30));  // 33 files of 30 bytes fit
  EXPECT_EQ(refused.load(), kThreads * 10 - static_cast<int>(kQuota / 30));
  META_ASSIGN_OR_FAIL(MetadataStore::Usage u, store().GetUsage(alpha().id, kNow));
  EXPECT_LE(u.bytes, kQuota);
}

// ---- idempotency keys ----

TEST_P(MetadataStoreConformanceTest, IdempotencyKeyIsClaimedOnceThenAnsweredPerProject) {
  META_ASSIGN_OR_FAIL(auto claimed,
                      store().ClaimIdempotencyKey(alpha().id, "k1", "p1", Id(77), kNow, 0));
  EXPECT_FALSE(claimed.has_value());
  // A second claim sees the first, still unanswered.
  META_ASSIGN_OR_FAIL(auto again,
                      store().ClaimIdempotencyKey(alpha().id, "k1", "p2", std::nullopt, kNow, 0));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->owner, "p1");
  EXPECT_EQ(again->file_id, std::optional<std::string>(Id(77)));
  EXPECT_EQ(again->created_at, kNow);
  EXPECT_FALSE(again->answered());
  // The same key of another project is another key.
  META_ASSIGN_OR_FAIL(auto other,
                      store().ClaimIdempotencyKey(beta().id, "k1", "p2", std::nullopt, kNow, 0));
  EXPECT_FALSE(other.has_value());

  // Only the owner answers, once.
  META_EXPECT_CODE(store().AnswerIdempotencyKey(alpha().id, "k1", "p2", "fp", 200, "{}"),
                   kConflict);
  META_ASSERT_OK(store().AnswerIdempotencyKey(alpha().id, "k1", "p1", "fp", 201, R"({"id":1})"));
  META_EXPECT_CODE(store().AnswerIdempotencyKey(alpha().id, "k1", "p1", "fp", 200, "{}"),
                   kConflict);
  META_EXPECT_CODE(store().AnswerIdempotencyKey(alpha().id, "nokey", "p1", "fp", 200, "{}"),
                   kNotFound);
  META_ASSIGN_OR_FAIL(auto answered,
                      store().ClaimIdempotencyKey(alpha().id, "k1", "p3", std::nullopt, kNow, 0));
  ASSERT_TRUE(answered.has_value());
  EXPECT_TRUE(answered->answered());
  EXPECT_EQ(answered->fingerprint, std::optional<std::string>("fp"));
  EXPECT_EQ(answered->status_code, std::optional<int>(201));
  EXPECT_EQ(answered->response_body, R"({"id":1})");
  // An answered record is neither released nor taken over.
  META_ASSERT_OK(store().ReleaseIdempotencyKey(alpha().id, "k1", "p1"));
  META_EXPECT_CODE(store().TakeOverIdempotencyKey(alpha().id, "k1", "p1", "p4"), kConflict);
  META_ASSIGN_OR_FAIL(auto kept,
                      store().ClaimIdempotencyKey(alpha().id, "k1", "p3", std::nullopt, kNow, 0));
  ASSERT_TRUE(kept.has_value() && kept->answered());

  // Past its time (created at or before `expired_before`) the key is free again.
  META_ASSIGN_OR_FAIL(auto fresh, store().ClaimIdempotencyKey(alpha().id, "k1", "p5", std::nullopt,
                                                              kNow + 10, kNow));
  EXPECT_FALSE(fresh.has_value());
}

TEST_P(MetadataStoreConformanceTest, IdempotencyClaimsAreReleasedTakenOverAndPurged) {
  META_ASSIGN_OR_FAIL(auto a,
                      store().ClaimIdempotencyKey(alpha().id, "a", "dead", std::nullopt, kNow, 0));
  EXPECT_FALSE(a.has_value());
  // Release is the owner's only.
  META_ASSERT_OK(store().ReleaseIdempotencyKey(alpha().id, "a", "someone-else"));
  META_ASSIGN_OR_FAIL(auto held,
                      store().ClaimIdempotencyKey(alpha().id, "a", "x", std::nullopt, kNow, 0));
  ASSERT_TRUE(held.has_value());
  // A take-over names the owner it replaces; only one of two racing take-overs applies.
  META_ASSERT_OK(store().TakeOverIdempotencyKey(alpha().id, "a", "dead", "heir"));
  META_EXPECT_CODE(store().TakeOverIdempotencyKey(alpha().id, "a", "dead", "heir2"), kConflict);
  META_EXPECT_CODE(store().TakeOverIdempotencyKey(alpha().id, "gone", "dead", "heir"), kNotFound);
  META_ASSERT_OK(store().ReleaseIdempotencyKey(alpha().id, "a", "heir"));
  META_ASSIGN_OR_FAIL(auto released,
                      store().ClaimIdempotencyKey(alpha().id, "a", "y", std::nullopt, kNow, 0));
  EXPECT_FALSE(released.has_value());

  META_ASSIGN_OR_FAIL(
      auto b, store().ClaimIdempotencyKey(alpha().id, "b", "y", std::nullopt, kNow + 100, 0));
  EXPECT_FALSE(b.has_value());
  META_ASSIGN_OR_FAIL(size_t purged, store().PurgeIdempotencyKeys(kNow, 10));
  EXPECT_EQ(purged, 1u);  // "a" only
  META_ASSIGN_OR_FAIL(
      auto b_left, store().ClaimIdempotencyKey(alpha().id, "b", "z", std::nullopt, kNow + 100, 0));
  EXPECT_TRUE(b_left.has_value());
  META_ASSIGN_OR_FAIL(auto a_gone,
                      store().ClaimIdempotencyKey(alpha().id, "a", "z", std::nullopt, kNow, 0));
  EXPECT_FALSE(a_gone.has_value());
}

TEST_P(MetadataStoreConformanceTest, RacingIdempotencyClaimsLetExactlyOneWin) {
  constexpr int kThreads = 8;
  std::atomic<int> won{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = store().ClaimIdempotencyKey(alpha().id, "race", "owner" + std::to_string(t),
                                           std::nullopt, kNow, 0);
      if (!r.ok()) {
        ++failed;
      } else if (!r->has_value()) {
        ++won;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(won.load(), 1);
}

TEST_P(MetadataStoreConformanceTest, CheckReadyIsOk) { META_EXPECT_OK(store().CheckReady()); }

TEST_P(MetadataStoreConformanceTest, ConcurrentCreatesFromEightThreadsAllLand) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i + 1;
        // Few distinct times, so ties between threads are common.
        Status s = store().CreateFile(NewFile(alpha().id, Id(n), 1000 + i % 3));
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.ToString();
        }
      }
    });
  }
  // Readers alongside the writers: every read succeeds and sees a consistent page.
  std::thread reader([&] {
    while (writing.load()) {
      Result<FileList> r = store().ListFiles(alpha().id, Query(SortOrder::kAsc, 1000), kNow);
      if (!r.ok()) {
        ++failures;
        ADD_FAILURE() << r.status().ToString();
        return;
      }
      if (r->files.size() != r->total) {
        ++failures;
        ADD_FAILURE() << "page of " << r->files.size() << " but total " << r->total;
        return;
      }
    }
  });
  for (std::thread& th : threads) th.join();
  writing = false;
  reader.join();
  ASSERT_EQ(failures.load(), 0);

  META_ASSIGN_OR_FAIL(FileList list,
                      store().ListFiles(alpha().id, Query(SortOrder::kAsc, 1000), kNow));
  EXPECT_EQ(list.total, static_cast<uint64_t>(kThreads * kPerThread));
  ASSERT_EQ(list.files.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> seen;
  for (const FileRecord& f : list.files) seen.insert(f.id);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
  // And in order: (created_at, id) ascending.
  EXPECT_TRUE(std::is_sorted(list.files.begin(), list.files.end(),
                             [](const FileRecord& x, const FileRecord& y) {
                               return std::tie(x.created_at, x.id) < std::tie(y.created_at, y.id);
                             }));
}

// ---- upload parts ----

namespace {
UploadPartRecord Part(const std::string& id, const std::string& file_id, uint64_t bytes,
                      int64_t created_at) {
  UploadPartRecord p;
  p.id = id;
  p.file_id = file_id;
  p.bytes = bytes;
  p.blob_key = "content/" + file_id + "/" + id.substr(5);
  p.created_at = created_at;
  return p;
}
}  // namespace

TEST_P(MetadataStoreConformanceTest, UploadPartsAddListDeleteAndCascadeOnPurge) {
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  Create(session);
  const UploadPartRecord p2 = Part("part_b", Id(1), 20, kNow + 1);
  const UploadPartRecord p1 = Part("part_a", Id(1), 10, kNow + 1);
  const UploadPartRecord p0 = Part("part_c", Id(1), 30, kNow);
  META_ASSERT_OK(store().RecordBlobIntent(p2.blob_key, kNow));
  META_ASSERT_OK(store().AddUploadPart(alpha().id, p2, kNow));
  META_ASSERT_OK(store().AddUploadPart(alpha().id, p1, kNow));
  META_ASSERT_OK(store().AddUploadPart(alpha().id, p0, kNow));
  // The part adopted its blob intent.
  META_ASSIGN_OR_FAIL(std::vector<std::string> intents, store().ListBlobIntents(kNow + 10, 10));
  EXPECT_TRUE(intents.empty());
  // A taken part id is a conflict.
  META_EXPECT_CODE(store().AddUploadPart(alpha().id, p0, kNow), kConflict);
  // (created_at, id) order.
  META_ASSIGN_OR_FAIL(std::vector<UploadPartRecord> parts, store().ListUploadParts(Id(1)));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].id, "part_c");
  EXPECT_EQ(parts[1].id, "part_a");
  EXPECT_EQ(parts[2].id, "part_b");
  EXPECT_EQ(parts[2].bytes, 20u);
  EXPECT_EQ(parts[2].blob_key, p2.blob_key);
  EXPECT_EQ(parts[2].created_at, kNow + 1);
  EXPECT_EQ(parts[2].file_id, Id(1));

  META_ASSERT_OK(store().DeleteUploadParts(Id(1)));
  META_ASSIGN_OR_FAIL(parts, store().ListUploadParts(Id(1)));
  EXPECT_TRUE(parts.empty());
  META_ASSERT_OK(store().DeleteUploadParts(Id(1)));  // idempotent

  META_ASSERT_OK(store().AddUploadPart(alpha().id, p1, kNow));
  META_ASSERT_OK(store().PurgeFile(Id(1)));
  META_ASSIGN_OR_FAIL(parts, store().ListUploadParts(Id(1)));
  EXPECT_TRUE(parts.empty());
}

TEST_P(MetadataStoreConformanceTest, UploadPartsNeedAVisibleOpenSessionWithoutAppends) {
  // Another project's session, an unknown one, and an expired one are not found.
  FileRecord session = NewFile(alpha().id, Id(1), kNow);
  session.status = FileStatus::kUploading;
  session.bytes = 0;
  session.expires_at = kNow + 100;
  Create(session);
  META_EXPECT_CODE(store().AddUploadPart(beta().id, Part("part_x", Id(1), 1, kNow), kNow),
                   kNotFound);
  META_EXPECT_CODE(store().AddUploadPart(alpha().id, Part("part_x", Id(9), 1, kNow), kNow),
                   kNotFound);
  META_EXPECT_CODE(store().AddUploadPart(alpha().id, Part("part_x", Id(1), 1, kNow), kNow + 100),
                   kNotFound);
  // A session with appended bytes takes no parts; neither does a completed file.
  FileRecord appended = session;
  appended.bytes = 5;
  META_ASSERT_OK(store().UpdateFile(appended, FilePrecondition{}, kNow));
  META_EXPECT_CODE(store().AddUploadPart(alpha().id, Part("part_x", Id(1), 1, kNow), kNow),
                   kConflict);
  Create(NewFile(alpha().id, Id(2), kNow));  // status uploaded
  META_EXPECT_CODE(store().AddUploadPart(alpha().id, Part("part_y", Id(2), 1, kNow), kNow),
                   kConflict);
  META_ASSIGN_OR_FAIL(std::vector<UploadPartRecord> parts, store().ListUploadParts(Id(1)));
  EXPECT_TRUE(parts.empty());
}

}  // namespace filesd::conformance
