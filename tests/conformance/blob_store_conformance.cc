#include "conformance/blob_store_conformance.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "base/status.h"
#include "blob/blob_keys.h"
#include "conformance/blob_store_test_util.h"

namespace filesd::conformance {

ScopedTempDir::ScopedTempDir() {
  std::string tmpl = ::testing::TempDir() + "filesd-blob-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << tmpl;
    return;
  }
  path_ = std::move(tmpl);
}

ScopedTempDir::~ScopedTempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  EXPECT_FALSE(ec) << "could not remove " << path_ << ": " << ec.message();
}

namespace {

#define FILESD_ASSERT_OK(expr)                       \
  do {                                               \
    const ::filesd::Status status_ = (expr);         \
    ASSERT_TRUE(status_.ok()) << status_.ToString(); \
  } while (0)

constexpr char kShaEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kShaAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
// SHA-256 of the 448-bit NIST message "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".
constexpr char kNist448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr char kShaNist448[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

TEST_P(BlobStoreConformanceTest, ContentIsInvisibleBeforeCommitAndVisibleAfter) {
  const std::string key = "conformance/visible";
  auto writer = store().NewWriter(key);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  FILESD_ASSERT_OK((*writer)->Append("hello "));
  FILESD_ASSERT_OK((*writer)->Append("world"));
  EXPECT_EQ((*writer)->size_bytes(), 11u);

  EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().NewReader(key).status().code(), StatusCode::kNotFound);

  auto info = (*writer)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, 11u);
  EXPECT_EQ(info->sha256_hex, Sha256::HexOf("hello world"));

  auto stat = store().Stat(key);
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->size_bytes, 11u);
  auto content = ReadAll(store(), key);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "hello world");
}

TEST_P(BlobStoreConformanceTest, CommitReportsSizeAndSha256OfKnownVectors) {
  struct Case {
    std::string content;
    size_t chunk;
    const char* sha256;
  };
  const Case cases[] = {
      {"", 1, kShaEmpty},
      {"abc", 1, kShaAbc},  // One byte per Append: the hash must be incremental.
      {"abc", 3, kShaAbc},
      {kNist448, 5, kShaNist448},
  };
  int i = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "case " << i);
    const std::string key = "conformance/vector-" + std::to_string(i++);
    auto info = WriteBlob(store(), key, c.content, c.chunk);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->size_bytes, c.content.size());
    EXPECT_EQ(info->sha256_hex, c.sha256);
    auto stat = store().Stat(key);
    ASSERT_TRUE(stat.ok()) << stat.status().ToString();
    EXPECT_EQ(stat->size_bytes, c.content.size());
    if (!stat->sha256_hex.empty()) {
      EXPECT_EQ(stat->sha256_hex, c.sha256);
    }
    auto content = ReadAll(store(), key);
    ASSERT_TRUE(content.ok()) << content.status().ToString();
    EXPECT_EQ(*content, c.content);
  }
}

TEST_P(BlobStoreConformanceTest, EmptyAppendsChangeNothing) {
  const std::string key = "conformance/empty-appends";
  auto writer = store().NewWriter(key);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  FILESD_ASSERT_OK((*writer)->Append(""));
  FILESD_ASSERT_OK((*writer)->Append("ab"));
  FILESD_ASSERT_OK((*writer)->Append(""));
  FILESD_ASSERT_OK((*writer)->Append("c"));
  auto info = (*writer)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, 3u);
  EXPECT_EQ(info->sha256_hex, kShaAbc);
}

TEST_P(BlobStoreConformanceTest, AbortLeavesNothing) {
  const std::string key = "conformance/aborted";
  {
    auto writer = store().NewWriter(key);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    FILESD_ASSERT_OK((*writer)->Append(RandomContent(100000, 1)));
    (*writer)->Abort();
    (*writer)->Abort();  // Safe to repeat.
    EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kNotFound);
  }
  EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().NewReader(key).status().code(), StatusCode::kNotFound);
  // Nothing left behind for the janitor either.
  auto removed = store().RemoveAbandonedWrites();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 0u);
}

TEST_P(BlobStoreConformanceTest, DestroyingAnUncommittedWriterLeavesNothing) {
  const std::string key = "conformance/dropped";
  {
    auto writer = store().NewWriter(key);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    FILESD_ASSERT_OK((*writer)->Append(RandomContent(100000, 2)));
  }
  EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kNotFound);
  auto removed = store().RemoveAbandonedWrites();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 0u);
}

TEST_P(BlobStoreConformanceTest, AbortOfOneWriterKeepsCommittedContentOfTheKey) {
  const std::string key = "conformance/keep";
  ASSERT_TRUE(WriteBlob(store(), key, "committed").ok());
  {
    auto writer = store().NewWriter(key);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    FILESD_ASSERT_OK((*writer)->Append("discarded"));
    (*writer)->Abort();
  }
  auto content = ReadAll(store(), key);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "committed");
}

TEST_P(BlobStoreConformanceTest, DestroyingACommittedWriterKeepsTheContent) {
  const std::string key = "conformance/kept";
  {
    auto writer = store().NewWriter(key);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    FILESD_ASSERT_OK((*writer)->Append("stays"));
    ASSERT_TRUE((*writer)->Commit().ok());
  }
  auto content = ReadAll(store(), key);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "stays");
}

TEST_P(BlobStoreConformanceTest, RemoveAbandonedWritesKeepsLiveWriters) {
  const std::string key = "conformance/live";
  auto writer = store().NewWriter(key);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  FILESD_ASSERT_OK((*writer)->Append("first half, "));
  auto removed = store().RemoveAbandonedWrites();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 0u);
  FILESD_ASSERT_OK((*writer)->Append("second half"));
  auto info = (*writer)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto content = ReadAll(store(), key);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "first half, second half");
}

TEST_P(BlobStoreConformanceTest, ReplaceIsAtomicForAReaderOpenedBefore) {
  const std::string key = "conformance/replaced";
  const std::string old_content = RandomContent(300000, 3);
  const std::string new_content = RandomContent(123457, 4);
  ASSERT_TRUE(WriteBlob(store(), key, old_content).ok());

  auto old_reader = store().NewReader(key);
  ASSERT_TRUE(old_reader.ok()) << old_reader.status().ToString();
  // Read a little first, so an implementation that opens lazily is caught too.
  std::string head(10, '\0');
  auto n = (*old_reader)->ReadAt(0, std::span<char>(head));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(*n, 10u);

  auto info = WriteBlob(store(), key, new_content, 4096);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->sha256_hex, Sha256::HexOf(new_content));

  EXPECT_EQ((*old_reader)->size_bytes(), old_content.size());
  auto old_read = ReadAllFrom(**old_reader);
  ASSERT_TRUE(old_read.ok()) << old_read.status().ToString();
  EXPECT_TRUE(*old_read == old_content) << "an open reader saw the replacement";

  auto stat = store().Stat(key);
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->size_bytes, new_content.size());
  auto new_read = ReadAll(store(), key);
  ASSERT_TRUE(new_read.ok()) << new_read.status().ToString();
  EXPECT_TRUE(*new_read == new_content);
}

TEST_P(BlobStoreConformanceTest, ConcurrentReadersSeeOneWholeVersionDuringReplaces) {
  const std::string key = "conformance/flapping";
  // Version v is many copies of letter 'a' + v % 26, with a length that depends on the letter too,
  // so a mix of two versions is easy to spot.
  auto size_of = [](int letter) { return static_cast<size_t>(50000 + 7919 * (letter % 5)); };
  auto content_of = [&](int v) {
    return std::string(size_of(v % 26), static_cast<char>('a' + v % 26));
  };
  ASSERT_TRUE(WriteBlob(store(), key, content_of(0)).ok());

  // At least kMinVersions replaces, and more until the reader has read kMinReads times (bounded),
  // so reads and replaces overlap however the threads are scheduled.
  constexpr int kMinVersions = 40;
  constexpr int kMinReads = 40;
  constexpr int kMaxVersions = 100000;
  std::atomic<bool> done{false};
  std::atomic<int> bad_reads{0};
  std::atomic<int> reads{0};
  std::thread reader_thread([&] {
    while (!done.load()) {
      auto content = ReadAll(store(), key);
      if (!content.ok() || content->empty()) {
        ++bad_reads;
        continue;
      }
      ++reads;
      const char letter = content->front();
      const bool uniform =
          std::all_of(content->begin(), content->end(), [&](char c) { return c == letter; });
      if (!uniform || content->size() != size_of(letter - 'a')) ++bad_reads;
    }
  });
  int v = 0;
  while (v < kMaxVersions && (v < kMinVersions || reads.load() < kMinReads)) {
    auto info = WriteBlob(store(), key, content_of(++v), 8192);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
  }
  done = true;
  reader_thread.join();
  EXPECT_EQ(bad_reads.load(), 0);
  EXPECT_GE(reads.load(), kMinReads);
  auto last = ReadAll(store(), key);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_TRUE(*last == content_of(v));
}

TEST_P(BlobStoreConformanceTest, LastCommitWinsBetweenTwoWritersOfOneKey) {
  const std::string key = "conformance/two-writers";
  auto first = store().NewWriter(key);
  auto second = store().NewWriter(key);
  ASSERT_TRUE(first.ok() && second.ok());
  FILESD_ASSERT_OK((*first)->Append("from the first writer"));
  FILESD_ASSERT_OK((*second)->Append("from the second"));
  ASSERT_TRUE((*second)->Commit().ok());
  ASSERT_TRUE((*first)->Commit().ok());
  auto content = ReadAll(store(), key);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "from the first writer");
}

TEST_P(BlobStoreConformanceTest, ReaderKeepsReadingAfterDelete) {
  const std::string key = "conformance/deleted-under-reader";
  const std::string content = RandomContent(200000, 5);
  ASSERT_TRUE(WriteBlob(store(), key, content).ok());
  auto reader = store().NewReader(key);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  FILESD_ASSERT_OK(store().Delete(key));
  EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kNotFound);
  auto read = ReadAllFrom(**reader);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(*read == content);
}

TEST_P(BlobStoreConformanceTest, DeleteIsIdempotent) {
  const std::string key = "conformance/deleted";
  FILESD_ASSERT_OK(store().Delete(key));  // Never existed.
  ASSERT_TRUE(WriteBlob(store(), key, "x").ok());
  FILESD_ASSERT_OK(store().Delete(key));
  EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().NewReader(key).status().code(), StatusCode::kNotFound);
  FILESD_ASSERT_OK(store().Delete(key));
  // The key can be written again.
  ASSERT_TRUE(WriteBlob(store(), key, "again").ok());
  auto content = ReadAll(store(), key);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "again");
}

TEST_P(BlobStoreConformanceTest, DeleteTouchesOnlyItsKey) {
  // Keys that share prefixes, the shape blob_keys produces ("content/<file>/<upload>").
  const std::string a = "conformance/shared/one";
  const std::string b = "conformance/shared/two";
  const std::string c = "conformance/other";
  ASSERT_TRUE(WriteBlob(store(), a, "one").ok());
  ASSERT_TRUE(WriteBlob(store(), b, "two").ok());
  ASSERT_TRUE(WriteBlob(store(), c, "other").ok());
  FILESD_ASSERT_OK(store().Delete(a));
  EXPECT_EQ(store().Stat(a).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadAll(store(), b).value(), "two");
  FILESD_ASSERT_OK(store().Delete(b));
  EXPECT_EQ(ReadAll(store(), c).value(), "other");
  // Prefixes of keys are not keys.
  EXPECT_EQ(store().Stat("conformance").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().NewReader("conformance").status().code(), StatusCode::kNotFound);
  // Writing under a prefix again after everything under it was deleted works.
  ASSERT_TRUE(WriteBlob(store(), a, "one again").ok());
  EXPECT_EQ(ReadAll(store(), a).value(), "one again");
}

TEST_P(BlobStoreConformanceTest, KeysFromBlobKeysWork) {
  const std::string key = blob_keys::NewContentKey(NewUuidV4());
  ASSERT_TRUE(WriteBlob(store(), key, "content").ok());
  EXPECT_EQ(ReadAll(store(), key).value(), "content");
  FILESD_ASSERT_OK(store().Delete(key));
  EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kNotFound);
}

TEST_P(BlobStoreConformanceTest, LongestValidKeysWork) {
  const std::string one_segment(255, 'k');
  std::string segmented(50, 's');
  while (segmented.size() + 51 <= 255) segmented += "/" + std::string(50, 's');
  segmented += 's';
  ASSERT_EQ(segmented.size(), 255u);
  ASSERT_NE(segmented.back(), '/');
  for (const std::string& key : {one_segment, segmented}) {
    ASSERT_TRUE(blob_keys::IsValidKey(key));
    auto info = WriteBlob(store(), key, "long");
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(ReadAll(store(), key).value(), "long");
    FILESD_ASSERT_OK(store().Delete(key));
  }
}

TEST_P(BlobStoreConformanceTest, InvalidKeysAreRefused) {
  const std::string bad_keys[] = {
      "",
      "../x",
      "a//b",
      "A",
      "a/",
      "a/./b",
      std::string(256, 'a'),
      "/a",
      "..",
      ".",
      "a b",
      std::string("a\0b", 3),
      "a/../../etc/passwd",
      "a_b",
  };
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE("key: \"" + key + "\"");
    EXPECT_EQ(store().NewWriter(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store().NewReader(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store().Delete(key).code(), StatusCode::kInvalidArgument);
  }
}

TEST_P(BlobStoreConformanceTest, ReadAtAndPastTheEndReturnsZero) {
  const std::string key = "conformance/ends";
  ASSERT_TRUE(WriteBlob(store(), key, std::string(100, 'z')).ok());
  auto reader = store().NewReader(key);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::string buf(64, '\0');
  for (uint64_t offset : {uint64_t{100}, uint64_t{101}, uint64_t{1} << 40, ~uint64_t{0}}) {
    auto n = (*reader)->ReadAt(offset, std::span<char>(buf));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, 0u) << "offset " << offset;
  }
  // A read that crosses the end returns what is left.
  auto n = (*reader)->ReadAt(90, std::span<char>(buf));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 10u);
  EXPECT_EQ(buf.substr(0, 10), std::string(10, 'z'));

  // An empty blob is readable and ends at once.
  ASSERT_TRUE(WriteBlob(store(), "conformance/empty", "").ok());
  auto empty = store().NewReader("conformance/empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ((*empty)->size_bytes(), 0u);
  auto zero = (*empty)->ReadAt(0, std::span<char>(buf));
  ASSERT_TRUE(zero.ok()) << zero.status().ToString();
  EXPECT_EQ(*zero, 0u);
}

TEST_P(BlobStoreConformanceTest, RandomAccessReadsMatch) {
  const std::string key = "conformance/random-access";
  const std::string content = RandomContent((1 << 20) + 4321, 6);
  ASSERT_TRUE(WriteBlob(store(), key, content, 65536).ok());
  auto reader = store().NewReader(key);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ((*reader)->size_bytes(), content.size());

  std::mt19937_64 rng(7);
  std::string buf;
  for (int i = 0; i < 300; ++i) {
    const uint64_t offset = rng() % (content.size() + 10);
    const size_t len = static_cast<size_t>(rng() % 70000) + 1;
    buf.assign(len, '\0');
    auto n = (*reader)->ReadAt(offset, std::span<char>(buf));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    const size_t expected =
        offset >= content.size() ? 0 : std::min<size_t>(len, content.size() - offset);
    ASSERT_EQ(*n, expected) << "offset " << offset << " len " << len;
    ASSERT_TRUE(std::string_view(buf.data(), *n) ==
                std::string_view(content).substr(std::min<size_t>(offset, content.size()), *n))
        << "offset " << offset << " len " << len;
  }
  // The tail first, then the head: the index-at-the-end pattern of xlsx and PDF.
  std::string tail(22, '\0');
  ASSERT_EQ((*reader)->ReadAt(content.size() - 22, std::span<char>(tail)).value(), 22u);
  EXPECT_TRUE(tail == content.substr(content.size() - 22));
}

TEST_P(BlobStoreConformanceTest, ManyConcurrentWritersOnDifferentKeys) {
  constexpr int kThreads = 4;
  constexpr int kBlobsPerThread = 12;
  auto content_of = [](int t, int i) {
    return RandomContent(static_cast<size_t>(20000 + 3001 * i + 17 * t), 1000 * t + i);
  };
  auto key_of = [](int t, int i) {
    return "conformance/concurrent/t" + std::to_string(t) + "/b" + std::to_string(i);
  };
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread keeps several writers open at once and commits them out of order.
      std::vector<std::unique_ptr<BlobWriter>> writers;
      for (int i = 0; i < kBlobsPerThread; ++i) {
        auto writer = store().NewWriter(key_of(t, i));
        if (!writer.ok()) {
          ++failures;
          return;
        }
        writers.push_back(std::move(*writer));
      }
      for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < kBlobsPerThread; ++i) {
          const std::string content = content_of(t, i);
          const size_t quarter = content.size() / 4 + 1;
          const std::string_view part =
              std::string_view(content).substr(std::min(content.size(), quarter * round), quarter);
          if (!writers[i]->Append(part).ok()) ++failures;
        }
      }
      for (int i = kBlobsPerThread - 1; i >= 0; --i) {
        auto info = writers[i]->Commit();
        if (!info.ok() || info->sha256_hex != Sha256::HexOf(content_of(t, i))) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kBlobsPerThread; ++i) {
      auto content = ReadAll(store(), key_of(t, i));
      ASSERT_TRUE(content.ok()) << content.status().ToString();
      EXPECT_TRUE(*content == content_of(t, i)) << key_of(t, i);
    }
  }
}

TEST_P(BlobStoreConformanceTest, LargeBlobInOddSizedAppends) {
  constexpr uint64_t kTotal = uint64_t{64} << 20;
  // Content at offset x is pattern[x % pattern.size()]; the pattern length is prime so appends
  // never line up with it.
  const std::string pattern = RandomContent(1000003, 8);
  const size_t append_sizes[] = {1, 4093, 65537, 1048573, 3, 2097143, 511, 8388617, 77};
  const std::string key = "conformance/large";

  auto writer = store().NewWriter(key);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  Sha256 expected_sha;
  std::string piece;
  uint64_t offset = 0;
  for (size_t i = 0; offset < kTotal; ++i) {
    const size_t len = static_cast<size_t>(
        std::min<uint64_t>(append_sizes[i % std::size(append_sizes)], kTotal - offset));
    piece.resize(len);
    for (size_t j = 0; j < len; ++j) piece[j] = pattern[(offset + j) % pattern.size()];
    FILESD_ASSERT_OK((*writer)->Append(piece));
    expected_sha.Update(piece);
    offset += len;
    ASSERT_EQ((*writer)->size_bytes(), offset);
  }
  const std::string expected_hex = expected_sha.FinishHex();
  auto info = (*writer)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, kTotal);
  EXPECT_EQ(info->sha256_hex, expected_hex);
  writer->reset();

  auto reader = store().NewReader(key);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ((*reader)->size_bytes(), kTotal);
  Sha256 read_sha;
  std::string buf(1 << 20, '\0');
  uint64_t read_offset = 0;
  while (true) {
    auto n = (*reader)->ReadAt(read_offset, std::span<char>(buf));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    read_sha.Update(std::string_view(buf.data(), *n));
    read_offset += *n;
  }
  EXPECT_EQ(read_offset, kTotal);
  EXPECT_EQ(read_sha.FinishHex(), expected_hex);
  // Spot checks against the pattern around the append boundaries and the end.
  for (uint64_t at : {uint64_t{0}, uint64_t{4093}, uint64_t{1048573 + 65537}, kTotal - 5}) {
    std::string got(5, '\0');
    ASSERT_EQ((*reader)->ReadAt(at, std::span<char>(got)).value(), 5u);
    for (size_t j = 0; j < 5; ++j) EXPECT_EQ(got[j], pattern[(at + j) % pattern.size()]);
  }
}

TEST_P(BlobStoreConformanceTest, CheckReadyOnAFreshStore) {
  FILESD_ASSERT_OK(store().CheckReady());
}

}  // namespace

}  // namespace filesd::conformance
