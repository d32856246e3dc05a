// BlobStore conformance, Compose (ComposableBlobs, blob_store.h): through ComposeBlobs(), so a store
// without the ability is held to the same contract by the copying fallback.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "blob/blob_keys.h"
#include "conformance/blob_store_conformance.h"
#include "conformance/blob_store_test_util.h"

namespace filesd::conformance {
namespace {

// Writes each content under "compose/src-<i>" and returns the keys.
std::vector<std::string> WriteSources(BlobStore& store, const std::vector<std::string>& contents) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < contents.size(); ++i) {
    keys.push_back("compose/src-" + std::to_string(i));
    auto info = WriteBlob(store, keys.back(), contents[i], 4096);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
  }
  return keys;
}

std::string Expect(BlobStore& store, const std::string& key) {
  auto content = ReadAll(store, key);
  EXPECT_TRUE(content.ok()) << key << ": " << content.status().ToString();
  return content.ok() ? *content : "<unreadable>";
}

TEST_P(BlobStoreConformanceTest, ComposeConcatenatesInOrder) {
  const std::vector<std::string> contents = {RandomContent(300001, 1), "", "x",
                                             RandomContent(65536, 2), RandomContent(7, 3)};
  std::vector<std::string> keys = WriteSources(store(), contents);
  keys.push_back(keys[2]);  // a key may repeat
  keys.push_back(keys[0]);
  std::string expected;
  for (const std::string& key : keys) expected += contents[key.back() - '0'];

  auto info = ComposeBlobs(store(), "compose/dest", keys);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, expected.size());
  EXPECT_EQ(info->sha256_hex, "");
  auto stat = store().Stat("compose/dest");
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->size_bytes, expected.size());
  EXPECT_TRUE(Expect(store(), "compose/dest") == expected);
  for (size_t i = 0; i < contents.size(); ++i) {
    EXPECT_TRUE(Expect(store(), "compose/src-" + std::to_string(i)) == contents[i]) << i;
  }
}

TEST_P(BlobStoreConformanceTest, ComposeOfNothingIsAnEmptyBlob) {
  auto info = ComposeBlobs(store(), "compose/empty", {});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, 0u);
  EXPECT_EQ(Expect(store(), "compose/empty"), "");
}

TEST_P(BlobStoreConformanceTest, ComposeOfLargeSourcesMatches) {
  // Over the local store's 8 MiB writeback window, so copies run in several rounds.
  const std::vector<std::string> contents = {RandomContent((9u << 20) + 13, 4),
                                             RandomContent((5u << 20) + 1, 5)};
  const std::vector<std::string> keys = WriteSources(store(), contents);
  auto info = ComposeBlobs(store(), "compose/large", keys);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, contents[0].size() + contents[1].size());
  EXPECT_TRUE(Expect(store(), "compose/large") == contents[0] + contents[1]);
}

TEST_P(BlobStoreConformanceTest, ComposeWithAMissingSourceIsNotFoundAndLeavesNothing) {
  const std::vector<std::string> keys = WriteSources(store(), {"abc", "def"});
  for (const std::vector<std::string>& sources :
       {std::vector<std::string>{"compose/missing"},
        std::vector<std::string>{keys[0], "compose/missing", keys[1]},
        std::vector<std::string>{keys[0], keys[1], "compose/missing"}}) {
    auto info = ComposeBlobs(store(), "compose/dest", sources);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.status().code(), StatusCode::kNotFound) << info.status().ToString();
    EXPECT_EQ(store().Stat("compose/dest").status().code(), StatusCode::kNotFound);
  }
  // Nothing half-written stays behind for the janitor either.
  auto removed = store().RemoveAbandonedWrites();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 0u);
}

TEST_P(BlobStoreConformanceTest, ComposeWithAMissingSourceKeepsAnExistingDest) {
  const std::vector<std::string> keys = WriteSources(store(), {"abc"});
  ASSERT_TRUE(WriteBlob(store(), "compose/dest", "old content").ok());
  auto info = ComposeBlobs(store(), "compose/dest", {keys[0], "compose/missing"});
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Expect(store(), "compose/dest"), "old content");
}

TEST_P(BlobStoreConformanceTest, ComposeReplacesAtomicallyForAReaderOpenedBefore) {
  const std::string old_content = RandomContent(200000, 6);
  ASSERT_TRUE(WriteBlob(store(), "compose/dest", old_content).ok());
  auto old_reader = store().NewReader("compose/dest");
  ASSERT_TRUE(old_reader.ok()) << old_reader.status().ToString();

  const std::vector<std::string> contents = {RandomContent(1000, 7), RandomContent(99999, 8)};
  const std::vector<std::string> keys = WriteSources(store(), contents);
  auto info = ComposeBlobs(store(), "compose/dest", keys);
  ASSERT_TRUE(info.ok()) << info.status().ToString();

  auto old_read = ReadAllFrom(**old_reader);
  ASSERT_TRUE(old_read.ok()) << old_read.status().ToString();
  EXPECT_TRUE(*old_read == old_content) << "an open reader saw the replacement";
  EXPECT_TRUE(Expect(store(), "compose/dest") == contents[0] + contents[1]);
}

TEST_P(BlobStoreConformanceTest, ComposedContentOutlivesItsSources) {
  const std::vector<std::string> contents = {RandomContent(5000, 9), RandomContent(70000, 10)};
  const std::vector<std::string> keys = WriteSources(store(), contents);
  ASSERT_TRUE(ComposeBlobs(store(), "compose/dest", keys).ok());
  for (const std::string& key : keys) ASSERT_TRUE(store().Delete(key).ok());
  EXPECT_TRUE(Expect(store(), "compose/dest") == contents[0] + contents[1]);
}

TEST_P(BlobStoreConformanceTest, ComposeWorksWithKeysFromBlobKeys) {
  const std::string file_id = "0b7c4a2e-55c1-4d8e-9f4a-2f0a3c1d9e77";
  const std::string a = blob_keys::NewContentKey(file_id);
  const std::string b = blob_keys::NewContentKey(file_id);
  ASSERT_TRUE(WriteBlob(store(), a, "hello, ").ok());
  ASSERT_TRUE(WriteBlob(store(), b, "world").ok());
  const std::string dest = blob_keys::NewContentKey(file_id);
  ASSERT_TRUE(ComposeBlobs(store(), dest, {a, b}).ok());
  EXPECT_EQ(Expect(store(), dest), "hello, world");
}

TEST_P(BlobStoreConformanceTest, ComposeRefusesInvalidKeys) {
  const std::vector<std::string> keys = WriteSources(store(), {"abc"});
  auto bad_dest = ComposeBlobs(store(), "../escape", keys);
  EXPECT_EQ(bad_dest.status().code(), StatusCode::kInvalidArgument);
  auto bad_source = ComposeBlobs(store(), "compose/dest", {keys[0], "Bad/Key"});
  EXPECT_EQ(bad_source.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().Stat("compose/dest").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace filesd::conformance
