#include "blob/overlapped_sha256.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/crypto.h"

namespace filesd {
namespace {

TEST(OverlappedSha256Test, SmallBuffersAreHashedInline) {
  OverlappedSha256 sha;
  sha.Start("a");
  sha.Wait();
  sha.Start("bc");
  sha.Wait();
  EXPECT_FALSE(sha.overlapping());
  EXPECT_EQ(sha.FinishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(OverlappedSha256Test, EmptyStream) {
  OverlappedSha256 sha;
  EXPECT_EQ(sha.FinishHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(OverlappedSha256Test, MillionAsInLargeAndSmallBuffers) {
  OverlappedSha256 sha;
  const std::string big(OverlappedSha256::kMinOverlapBytes * 3 + 1, 'a');
  const std::string small(999, 'a');
  size_t left = 1000000;
  for (bool use_big = true; left > 0; use_big = !use_big) {
    const std::string& buf = use_big ? big : small;
    const size_t n = std::min(buf.size(), left);
    sha.Start(std::string_view(buf).substr(0, n));
    sha.Wait();
    left -= n;
  }
  EXPECT_TRUE(sha.overlapping());
  EXPECT_EQ(sha.FinishHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// The caller reuses its buffer as soon as Wait() returns, like a writer reading the next chunk from
// a socket into the same buffer: the hash must only ever see the bytes passed to Start().
TEST(OverlappedSha256Test, WaitReturnsOnlyAfterTheBufferIsHashed) {
  OverlappedSha256 sha;
  Sha256 reference;
  std::string buf(1 << 20, '\0');
  for (int i = 0; i < 64; ++i) {
    for (size_t j = 0; j < buf.size(); j += 4096) buf[j] = static_cast<char>(i * 31 + j);
    buf[buf.size() - 1] = static_cast<char>(i);
    reference.Update(buf);
    sha.Start(buf);
    sha.Wait();
    std::fill(buf.begin(), buf.end(), 'X');  // Clobber: must not reach the hash.
  }
  EXPECT_EQ(sha.FinishHex(), reference.FinishHex());
}

TEST(OverlappedSha256Test, DestroyingWithoutFinishingIsClean) {
  const std::string big(OverlappedSha256::kMinOverlapBytes, 'z');
  OverlappedSha256 sha;
  sha.Start(big);
  sha.Wait();
  EXPECT_TRUE(sha.overlapping());
}

}  // namespace
}  // namespace filesd
