#include "base/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace filesd {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// FIPS 180-2 appendix B and the usual empty-message vector.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256::HexOf(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::HexOf("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::HexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, MillionAsIncrementally) {
  constexpr char kExpected[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  {
    Sha256 sha;
    const std::string thousand(1000, 'a');
    for (int i = 0; i < 1000; ++i) sha.Update(thousand);
    EXPECT_EQ(sha.FinishHex(), kExpected);
  }
  {
    // Odd-sized updates that straddle the 64-byte block boundary, and empty ones.
    Sha256 sha;
    size_t left = 1000000;
    for (size_t step = 1; left > 0; step = step * 7 % 997 + 1) {
      const size_t n = std::min(step, left);
      sha.Update(std::string(n, 'a'));
      sha.Update("");
      left -= n;
    }
    EXPECT_EQ(sha.FinishHex(), kExpected);
  }
  EXPECT_EQ(Sha256::HexOf(std::string(1000000, 'a')), kExpected);
}

TEST(Sha256Test, InstancesAreIndependent) {
  Sha256 a;
  Sha256 b;
  a.Update("ab");
  b.Update("xyz");
  a.Update("c");
  EXPECT_EQ(a.FinishHex(), Sha256::HexOf("abc"));
  EXPECT_EQ(b.FinishHex(), Sha256::HexOf("xyz"));
}

// RFC 4231 section 4.2 and 4.3.
TEST(HmacSha256Test, Rfc4231Case1) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256Test, Rfc4231Case2) {
  const std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(mac.size(), 32u);
  EXPECT_EQ(HexEncode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Test, KeyAndDataMatter) {
  EXPECT_NE(HmacSha256("key1", "data"), HmacSha256("key2", "data"));
  EXPECT_NE(HmacSha256("key", "data1"), HmacSha256("key", "data2"));
}

TEST(HexEncodeTest, LowercasePairs) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10\xab", 4)), "00ff10ab");
  EXPECT_EQ(FromHex(HexEncode("round trip")), "round trip");
}

TEST(RandomBytesTest, LengthAndVariety) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(33).size(), 33u);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(RandomBytes(16));
  EXPECT_EQ(seen.size(), 100u);
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

TEST(UuidTest, V4FormatVersionAndVariant) {
  for (int i = 0; i < 200; ++i) {
    const std::string id = NewUuidV4();
    ASSERT_EQ(id.size(), 36u) << id;
    for (size_t j = 0; j < id.size(); ++j) {
      if (j == 8 || j == 13 || j == 18 || j == 23) {
        EXPECT_EQ(id[j], '-') << id;
      } else {
        EXPECT_TRUE(IsLowerHex(id[j])) << id;
      }
    }
    EXPECT_EQ(id[14], '4') << "version nibble: " << id;
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b')
        << "variant bits: " << id;
    EXPECT_TRUE(IsUuid(id)) << id;
  }
}

TEST(UuidTest, Unique) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(NewUuidV4());
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(UuidTest, IsUuidAcceptsCanonicalFormInEitherCase) {
  EXPECT_TRUE(IsUuid("550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_TRUE(IsUuid("550E8400-E29B-41D4-A716-446655440000"));
  EXPECT_TRUE(IsUuid("550e8400-E29B-41d4-a716-446655440000"));
  EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
}

TEST(UuidTest, IsUuidRejectsEverythingElse) {
  const std::string bad[] = {
      "",
      "550e8400-e29b-41d4-a716-44665544000",    // 35 chars
      "550e8400-e29b-41d4-a716-4466554400000",  // 37 chars
      "550e8400e29b41d4a716446655440000",       // no hyphens
      "550e8400-e29b-41d4-a716_446655440000",   // wrong separator
      "550e840-0e29b-41d4-a716-446655440000",   // hyphen in the wrong place
      "550e8400-e29b-41d4-a716-44665544000g",   // not hex
      "{550e8400-e29b-41d4-a716-446655440000}",
      " 550e8400-e29b-41d4-a716-44665544000",
      "550e8400-e29b-41d4-a716-44665544000\n",
      "../../../../../../../../../etc/passw",  // 36 chars
      std::string("550e8400-e29b-41d4-a716-44665544000\0", 36),
  };
  for (const std::string& s : bad) EXPECT_FALSE(IsUuid(s)) << "\"" << s << "\"";
}

// RFC 4648 section 10, in the URL alphabet and without padding.
TEST(Base64UrlTest, Rfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
}

TEST(Base64UrlTest, UsesTheUrlAlphabet) {
  // Standard base64 would give "+/8=", "////" and "++++".
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode("\xff\xff\xff"), "____");
  EXPECT_EQ(Base64UrlEncode("\xfb\xef\xbe"), "----");
  EXPECT_EQ(Base64UrlEncode(std::string("\x00\x00\x00", 3)), "AAAA");
  // 32 random bytes (an HMAC) become 43 characters, all URL-safe.
  const std::string encoded = Base64UrlEncode(RandomBytes(32));
  EXPECT_EQ(encoded.size(), 43u);
  EXPECT_EQ(
      encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << encoded;
}

TEST(ConstantTimeEqualsTest, ComparesWholeContent) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "Secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
}

}  // namespace
}  // namespace filesd
