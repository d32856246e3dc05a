#include "api/parse/base64_symbols.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace filesd {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// `groups` random groups of symbols.
std::string RandomSymbols(size_t groups, std::mt19937& rng) {
  std::string s(groups * 4, 'A');
  for (char& c : s) c = kAlphabet[rng() % 64];
  return s;
}

// Decodes with `decode` into a buffer with room for exactly `max_groups` groups plus a guard zone,
// and checks that nothing beyond that room was written.
template <typename DecodeFn>
std::string Decode(DecodeFn decode, std::string_view in, size_t max_groups, size_t* groups) {
  std::string buf(max_groups * 3 + 64, '\x5a');
  *groups = decode(in, max_groups, buf.data());
  for (size_t i = max_groups * 3; i < buf.size(); ++i) {
    EXPECT_EQ(buf[i], '\x5a') << "wrote past the room for " << max_groups << " groups";
  }
  return buf.substr(0, *groups * 3);
}

TEST(Base64SymbolsTest, PublishedVectors) {
  // RFC 4648 section 10, whole groups only, and the 32-symbol block the vector path takes.
  size_t groups = 0;
  EXPECT_EQ(Decode(DecodeBase64Groups, "Zm9vYmFy", 2, &groups), "foobar");
  EXPECT_EQ(groups, 2u);
  EXPECT_EQ(Decode(DecodeBase64Groups, "Zm9v", 1, &groups), "foo");
  const std::string block = "TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuIE1hbnkgaGFuZHMgbWFrZSBsaWdodCB3b3JrLg==";
  EXPECT_EQ(Decode(DecodeBase64Groups, block, 100, &groups),
            std::string("Many hands make light work. Many hands make light work").substr(0, 54));
  EXPECT_EQ(groups, 18u);  // the 19th group holds padding: the caller's
}

TEST(Base64SymbolsTest, EverySymbolValueInEveryLanePosition) {
  // Symbol i at position (i + shift) % 64 of a 64-symbol run: each value in each lane of a block.
  for (size_t shift = 0; shift < 64; ++shift) {
    std::string in(64, 'A');
    for (size_t i = 0; i < 64; ++i) in[(i + shift) % 64] = kAlphabet[i];
    size_t fast = 0, slow = 0;
    const std::string a = Decode(DecodeBase64Groups, in, 16, &fast);
    const std::string b = Decode(DecodeBase64GroupsScalar, in, 16, &slow);
    ASSERT_EQ(fast, 16u);
    ASSERT_EQ(slow, 16u);
    ASSERT_EQ(a, b) << "shift " << shift;
  }
}

TEST(Base64SymbolsTest, EveryNonSymbolByteStopsAtItsGroupInBothPaths) {
  std::mt19937 rng(7);
  const std::string valid = RandomSymbols(40, rng);
  for (int byte = 0; byte < 256; ++byte) {
    const bool symbol = Base64SymbolValue(static_cast<char>(byte)) >= 0;
    for (size_t pos : {0u, 1u, 5u, 31u, 32u, 45u, 77u, 100u, 159u}) {
      std::string in = valid;
      in[pos] = static_cast<char>(byte);
      size_t fast = 0, slow = 0;
      const std::string a = Decode(DecodeBase64Groups, in, 40, &fast);
      const std::string b = Decode(DecodeBase64GroupsScalar, in, 40, &slow);
      ASSERT_EQ(fast, slow) << "byte " << byte << " at " << pos;
      ASSERT_EQ(a, b) << "byte " << byte << " at " << pos;
      ASSERT_EQ(fast, symbol ? 40u : pos / 4) << "byte " << byte << " at " << pos;
    }
  }
}

TEST(Base64SymbolsTest, RandomRunsAgreeWithTheScalarPathAndRespectTheLimit) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    const size_t groups = rng() % 80;
    std::string in = RandomSymbols(groups, rng);
    in.append(rng() % 4, kAlphabet[rng() % 64]);  // a partial group at the end is never decoded
    const size_t limit = rng() % 90;
    size_t fast = 0, slow = 0;
    const std::string a = Decode(DecodeBase64Groups, in, limit, &fast);
    const std::string b = Decode(DecodeBase64GroupsScalar, in, limit, &slow);
    ASSERT_EQ(fast, std::min(groups, limit));
    ASSERT_EQ(fast, slow);
    ASSERT_EQ(a, b);
  }
}

}  // namespace
}  // namespace filesd
