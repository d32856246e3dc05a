#include "blob/blob_keys.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "base/crypto.h"

namespace filesd::blob_keys {
namespace {

TEST(BlobKeysTest, NewContentKeyIsContentFileIdAndAFreshUuid) {
  const std::string file_id = NewUuidV4();
  const std::string key = NewContentKey(file_id);
  const std::string prefix = "content/" + file_id + "/";
  ASSERT_TRUE(key.starts_with(prefix)) << key;
  const std::string upload = key.substr(prefix.size());
  EXPECT_TRUE(IsUuid(upload)) << upload;
  EXPECT_NE(upload, file_id);
  EXPECT_TRUE(IsValidKey(key)) << key;
}

TEST(BlobKeysTest, NewContentKeyNeverRepeats) {
  const std::string file_id = NewUuidV4();
  std::set<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.insert(NewContentKey(file_id));
  EXPECT_EQ(keys.size(), 1000u);
}

TEST(BlobKeysTest, AcceptsWellFormedKeys) {
  for (const std::string& key :
       {std::string("a"), std::string("0"), std::string("-"), std::string("content/abc/def"),
        std::string("a-b/c-d/0-9"), std::string(255, 'a'),
        std::string(127, 'x') + "/" + std::string(127, 'y')}) {
    EXPECT_TRUE(IsValidKey(key)) << key;
  }
}

TEST(BlobKeysTest, RejectsEverythingElse) {
  const std::string bad[] = {
      "",
      "/",
      "/a",
      "a/",
      "a//b",
      ".",
      "..",
      "../x",
      "a/./b",
      "a/../b",
      "a.b",
      "A",
      "content/ABC/def",
      "a b",
      "a_b",
      "a\\b",
      "a\nb",
      std::string("a\0b", 3),
      "\xc3\xa9",  // UTF-8 "é"
      std::string(256, 'a'),
      std::string(128, 'x') + "/" + std::string(127, 'y'),
  };
  for (const std::string& key : bad) EXPECT_FALSE(IsValidKey(key)) << "\"" << key << "\"";
}

}  // namespace
}  // namespace filesd::blob_keys
