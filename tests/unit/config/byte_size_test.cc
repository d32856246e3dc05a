#include "config/byte_size.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace filesd {
namespace {

uint64_t Parsed(const std::string& text) {
  Result<uint64_t> r = ParseByteSize(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : 0;
}

std::string Refusal(const std::string& text) {
  Result<uint64_t> r = ParseByteSize(text);
  EXPECT_FALSE(r.ok()) << text << " was accepted as " << (r.ok() ? *r : 0);
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ByteSizeTest, PlainIntegersAreBytes) {
  EXPECT_EQ(Parsed("0"), 0u);
  EXPECT_EQ(Parsed("4096"), 4096u);
  EXPECT_EQ(Parsed("18446744073709551615"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(Parsed("12B"), 12u);
  EXPECT_EQ(Parsed("12 b"), 12u);
}

TEST(ByteSizeTest, SiUnitsArePowersOf1000) {
  EXPECT_EQ(Parsed("1kB"), 1000u);
  EXPECT_EQ(Parsed("1KB"), 1000u);
  EXPECT_EQ(Parsed("10MB"), 10'000'000u);
  EXPECT_EQ(Parsed("3GB"), 3'000'000'000u);
  EXPECT_EQ(Parsed("2TB"), 2'000'000'000'000u);
}

TEST(ByteSizeTest, IecUnitsArePowersOf1024) {
  EXPECT_EQ(Parsed("512KiB"), 512u * 1024);
  EXPECT_EQ(Parsed("64MiB"), uint64_t{64} << 20);
  EXPECT_EQ(Parsed("8GiB"), uint64_t{8} << 30);
  EXPECT_EQ(Parsed("1TiB"), uint64_t{1} << 40);
}

TEST(ByteSizeTest, UnitsAreCaseInsensitiveAndSpacesOptional) {
  EXPECT_EQ(Parsed("8gib"), uint64_t{8} << 30);
  EXPECT_EQ(Parsed("8 GIB"), uint64_t{8} << 30);
  EXPECT_EQ(Parsed("10mb"), 10'000'000u);
  EXPECT_EQ(Parsed("  10 MB  "), 10'000'000u);
}

TEST(ByteSizeTest, RefusesWhatIsNotASizeWithAClearMessage) {
  EXPECT_NE(Refusal("").find("expected an integer number of bytes"), std::string::npos);
  EXPECT_NE(Refusal("MB").find("'MB' is not a size"), std::string::npos);
  EXPECT_NE(Refusal("-1").find("negative"), std::string::npos);
  EXPECT_NE(Refusal("-1MB").find("negative"), std::string::npos);
  EXPECT_NE(Refusal("10XB").find("unknown unit 'XB'"), std::string::npos);
  EXPECT_NE(Refusal("10M").find("unknown unit 'M'"), std::string::npos);  // 1000 or 1024?
  EXPECT_NE(Refusal("10 MB extra").find("unknown unit"), std::string::npos);
  EXPECT_NE(Refusal("1.5GB").find("fractions are not accepted"), std::string::npos);
  Refusal("+5");
  Refusal("0x10");
  Refusal("1e9");
  Refusal("5 5");
}

TEST(ByteSizeTest, RefusesOverflow) {
  EXPECT_NE(Refusal("18446744073709551616").find("more than"), std::string::npos);
  EXPECT_NE(Refusal("16777216TiB").find("more than"), std::string::npos);  // 2^64 exactly
  EXPECT_EQ(Parsed("16777215TiB"), uint64_t{16777215} << 40);
  Refusal("99999999999999999999999999GB");
}

TEST(ByteSizeTest, FormatsTheShortestExactForm) {
  EXPECT_EQ(FormatByteSize(0), "0");
  EXPECT_EQ(FormatByteSize(1), "1");
  EXPECT_EQ(FormatByteSize(1000), "1kB");
  EXPECT_EQ(FormatByteSize(1023), "1023");
  EXPECT_EQ(FormatByteSize(16 * 1024), "16KiB");
  EXPECT_EQ(FormatByteSize(uint64_t{8} << 30), "8GiB");
  EXPECT_EQ(FormatByteSize(uint64_t{512} << 20), "512MiB");
  EXPECT_EQ(FormatByteSize(10'000'000), "10MB");
  EXPECT_EQ(FormatByteSize(12345), "12345");
}

TEST(ByteSizeTest, FormattedSizesParseBack) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, uint64_t{1024}, uint64_t{1} << 40,
                     uint64_t{5'000'000'000'000}, std::numeric_limits<uint64_t>::max()}) {
    EXPECT_EQ(Parsed(FormatByteSize(v)), v) << FormatByteSize(v);
  }
}

}  // namespace
}  // namespace filesd
