#include "blob/concatenated_reader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "blob/memory_blob_store.h"
#include "conformance/blob_store_test_util.h"

namespace filesd {
namespace {

using conformance::RandomContent;
using conformance::ReadAllFrom;
using conformance::WriteBlob;

// Counts the pieces a reader opens.
class CountingStore final : public MemoryBlobStore {
 public:
  Result<std::unique_ptr<BlobReader>> NewReader(const std::string& key) override {
    ++opens;
    return MemoryBlobStore::NewReader(key);
  }
  std::atomic<int> opens{0};
};

class ConcatenatedReaderTest : public ::testing::Test {
 protected:
  // Stores each content as a piece and returns the pieces with their true sizes.
  std::vector<BlobPiece> Pieces(const std::vector<std::string>& contents) {
    std::vector<BlobPiece> pieces;
    for (const std::string& c : contents) {
      pieces.push_back({"seg/p" + std::to_string(next_++), c.size()});
      EXPECT_TRUE(WriteBlob(store_, pieces.back().key, c).ok());
      whole_ += c;
    }
    return pieces;
  }
  std::unique_ptr<BlobReader> Open(std::vector<BlobPiece> pieces) {
    auto reader = OpenConcatenation(store_, std::move(pieces));
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return reader.ok() ? std::move(reader).value() : nullptr;
  }

  CountingStore store_;
  std::string whole_;
  int next_ = 0;
};

TEST_F(ConcatenatedReaderTest, ReadsAcrossBoundariesWithAnyBufferAndOffset) {
  auto reader = Open(Pieces({RandomContent(1, 1), "", RandomContent(5, 2), RandomContent(64, 3),
                             RandomContent(3, 4), RandomContent(1000, 5)}));
  ASSERT_NE(reader, nullptr);
  ASSERT_EQ(reader->size_bytes(), whole_.size());
  for (size_t buffer = 1; buffer <= 70; ++buffer) {
    auto all = ReadAllFrom(*reader, buffer);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_TRUE(*all == whole_) << "buffer " << buffer;
  }
  // A read that starts anywhere fills its buffer across every boundary it meets.
  for (uint64_t offset = 0; offset < whole_.size(); offset += 7) {
    std::string buf(100, '\0');
    auto n = reader->ReadAt(offset, std::span<char>(buf));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_EQ(*n, std::min<size_t>(100, whole_.size() - offset));
    ASSERT_EQ(buf.substr(0, *n), whole_.substr(offset, *n)) << "offset " << offset;
  }
}

TEST_F(ConcatenatedReaderTest, ManyOneBytePieces) {
  std::vector<std::string> bytes;
  for (int i = 0; i < 300; ++i) bytes.push_back(std::string(1, static_cast<char>('a' + i % 26)));
  auto reader = Open(Pieces(bytes));
  ASSERT_NE(reader, nullptr);
  auto all = ReadAllFrom(*reader, 4096);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, whole_);
}

TEST_F(ConcatenatedReaderTest, OpensPiecesLazilyOneAtATime) {
  std::vector<std::string> contents(1000, "0123456789");
  auto reader = Open(Pieces(contents));
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(store_.opens, 0) << "opening the concatenation opened pieces";
  EXPECT_EQ(reader->size_bytes(), 10000u);

  std::string buf(4, '\0');
  ASSERT_TRUE(reader->ReadAt(5003, std::span<char>(buf)).ok());
  EXPECT_EQ(buf, "3456");
  EXPECT_EQ(store_.opens, 1);
  ASSERT_TRUE(reader->ReadAt(5006, std::span<char>(buf)).ok());  // still piece 500
  EXPECT_EQ(store_.opens, 1);

  store_.opens = 0;
  auto all = ReadAllFrom(*reader, 3);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(store_.opens, 1000) << "a sequential read opens each piece once";
}

TEST_F(ConcatenatedReaderTest, NoPiecesIsEmpty) {
  auto reader = Open({});
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->size_bytes(), 0u);
  std::string buf(8, '\0');
  auto n = reader->ReadAt(0, std::span<char>(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST_F(ConcatenatedReaderTest, ReadsAtOrPastTheEndReturnZeroWithoutOpening) {
  auto reader = Open(Pieces({"abc", "def"}));
  ASSERT_NE(reader, nullptr);
  std::string buf(8, '\0');
  for (uint64_t offset : {uint64_t{6}, uint64_t{7}, uint64_t{1} << 62}) {
    auto n = reader->ReadAt(offset, std::span<char>(buf));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u);
  }
  EXPECT_EQ(store_.opens, 0);
}

TEST_F(ConcatenatedReaderTest, APieceShorterOrLongerThanRecordedIsInternal) {
  for (uint64_t recorded : {uint64_t{4}, uint64_t{2}}) {
    std::vector<BlobPiece> pieces = Pieces({"abc", "def"});
    pieces[1].size_bytes = recorded;  // the store holds 3 bytes
    auto reader = Open(pieces);
    ASSERT_NE(reader, nullptr);
    std::string buf(3, '\0');
    auto first = reader->ReadAt(0, std::span<char>(buf));
    ASSERT_TRUE(first.ok());  // the first piece is fine
    auto n = reader->ReadAt(3, std::span<char>(buf));
    ASSERT_FALSE(n.ok()) << "recorded " << recorded;
    EXPECT_EQ(n.status().code(), StatusCode::kInternal);
    auto all = ReadAllFrom(*reader);
    EXPECT_EQ(all.status().code(), StatusCode::kInternal);
  }
}

TEST_F(ConcatenatedReaderTest, AMissingPieceIsNotFoundWhenReached) {
  std::vector<BlobPiece> pieces = Pieces({"abc", "def"});
  ASSERT_TRUE(store_.Delete(pieces[1].key).ok());
  auto reader = Open(pieces);
  ASSERT_NE(reader, nullptr);
  std::string buf(6, '\0');
  auto n = reader->ReadAt(0, std::span<char>(buf));
  EXPECT_EQ(n.status().code(), StatusCode::kNotFound);
}

TEST_F(ConcatenatedReaderTest, SizesThatOverflowAreRefused) {
  auto reader =
      OpenConcatenation(store_, {{"seg/a", uint64_t{1} << 62}, {"seg/b", uint64_t{1} << 62}});
  EXPECT_EQ(reader.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace filesd
