#include "api/parse/base64_chunk_reader.h"

#include <gtest/gtest.h>

#include <random>

namespace filesd {
namespace {

std::string Base64(std::string_view in) {
  static constexpr char kA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {kA[v >> 18], kA[(v >> 12) & 63], kA[(v >> 6) & 63], kA[v & 63]};
  }
  if (in.size() - i == 1) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {kA[v >> 18], kA[(v >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kA[v >> 18], kA[(v >> 12) & 63], kA[(v >> 6) & 63], '='};
  }
  return out;
}

Result<ChunkBody> ReadWhole(std::string_view body, size_t limit = 1 << 20) {
  Base64ChunkReader r(limit);
  if (Status s = r.Feed(body); !s.ok()) return s;
  return r.Finish();
}

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Base64ChunkReaderTest, DecodesDataAndOffsetInEitherOrder) {
  const std::string bytes = RandomBytes(1000, 1);
  auto a = ReadWhole(R"({"data":")" + Base64(bytes) + R"(","offset":42})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->data, bytes);
  EXPECT_EQ(a->offset, 42u);
  auto b = ReadWhole(R"( { "offset" : 0 , "data" : ")" + Base64(bytes) + "\" } \n");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->data, bytes);
  EXPECT_EQ(b->offset, 0u);
  auto c = ReadWhole(R"({"data":""})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->data, "");
  EXPECT_FALSE(c->offset.has_value());
}

TEST(Base64ChunkReaderTest, EveryLengthModuloThreeWithAndWithoutPadding) {
  for (size_t n = 0; n < 10; ++n) {
    const std::string bytes = RandomBytes(n, static_cast<unsigned>(n));
    std::string b64 = Base64(bytes);
    auto padded = ReadWhole(R"({"data":")" + b64 + "\"}");
    ASSERT_TRUE(padded.ok()) << n;
    EXPECT_EQ(padded->data, bytes);
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    auto unpadded = ReadWhole(R"({"data":")" + b64 + "\"}");
    ASSERT_TRUE(unpadded.ok()) << n;
    EXPECT_EQ(unpadded->data, bytes);
  }
}

TEST(Base64ChunkReaderTest, ToleratesWhitespaceAndJsonEscapesInsideTheData) {
  const std::string bytes = RandomBytes(300, 7);
  std::string b64 = Base64(bytes);
  std::string wrapped;
  for (size_t i = 0; i < b64.size(); ++i) {
    if (i % 76 == 0 && i) wrapped += "\\r\\n";
    if (b64[i] == '/') {
      wrapped += (i % 2) ? "\\/" : "\\u002F";
    } else {
      wrapped += b64[i];
    }
    if (i % 50 == 0) wrapped += ' ';
  }
  auto r = ReadWhole(R"({"data":")" + wrapped + "\"}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data, bytes);
}

TEST(Base64ChunkReaderTest, SkipsUnknownKeysOfAnyShape) {
  auto r = ReadWhole(R"({"x":{"a":[1,2,{"b":"}\"]"}]},"n":-1.5e3,"t":true,"z":null,"data":"aGk="})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data, "hi");
}

TEST(Base64ChunkReaderTest, EverySplitPointGivesTheSameResult) {
  const std::string bytes = RandomBytes(200, 3);
  const std::string body = R"({"meta":{"k":[1,"a\"b"]},"offset":1234,"data":")" + Base64(bytes) +
                           "\"}";
  for (size_t split = 0; split <= body.size(); ++split) {
    Base64ChunkReader r(1 << 20);
    ASSERT_TRUE(r.Feed(body.substr(0, split)).ok()) << split;
    ASSERT_TRUE(r.Feed(body.substr(split)).ok()) << split;
    auto out = r.Finish();
    ASSERT_TRUE(out.ok()) << split << " " << out.status().ToString();
    EXPECT_EQ(out->data, bytes);
    EXPECT_EQ(out->offset, 1234u);
  }
  Base64ChunkReader one(1 << 20);
  for (char c : body) ASSERT_TRUE(one.Feed(std::string_view(&c, 1)).ok());
  EXPECT_EQ(one.Finish()->data, bytes);
}

TEST(Base64ChunkReaderTest, RefusesInvalidInputWithInvalidArgument) {
  const char* bad[] = {
      "",                                   // no object
      "[]",                                 // not an object
      R"({})",                              // no data
      R"({"data":"aGk="})" "x",             // trailing garbage
      R"({"data":"a"})",                    // truncated quantum
      R"({"data":"aG=k"})",                 // data after padding
      R"({"data":"=aGk"})",                 // padding first
      R"({"data":"aGk*"})",                 // not Base64
      R"({"data":"aGk==="})",               // too much padding
      R"({"data":12})",                     // not a string
      R"({"data":"aGk=","data":"aGk="})",   // duplicate
      R"({"data":"aGk=","offset":-1})",     // negative offset
      R"({"data":"aGk=","offset":1.5})",    // fractional offset
      R"({"data":"aGk=","offset":"1"})",    // string offset
      R"({"data":"aGk=",})",                // trailing comma
      R"({"data":"aGk=")",                  // unterminated object
      R"({"data":"aGk)",                    // unterminated string
      R"({"data":"aGk=","offset":12)",      // ends inside a number
      R"({"data":"\u00e9"})",               // non-ASCII escape
  };
  for (const char* body : bad) {
    auto r = ReadWhole(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
  }
}

TEST(Base64ChunkReaderTest, DecodedSizeOverTheLimitIs413AsSoonAsItIsExceeded) {
  const std::string bytes = RandomBytes(3000, 9);
  const std::string body = R"({"data":")" + Base64(bytes) + "\"}";
  Base64ChunkReader exact(3000);
  ASSERT_TRUE(exact.Feed(body).ok());
  EXPECT_TRUE(exact.Finish().ok());
  Base64ChunkReader over(2999);
  Status s = over.Feed(body.substr(0, body.size() - 2));  // before the end of the data
  EXPECT_EQ(s.code(), StatusCode::kPayloadTooLarge);
}

}  // namespace
}  // namespace filesd
