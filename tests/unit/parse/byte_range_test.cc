#include "api/parse/byte_range.h"

#include <gtest/gtest.h>

#include <string>

namespace filesd {
namespace {

constexpr uint64_t kSize = 1000;

void ExpectRange(std::string_view header, uint64_t size, uint64_t first, uint64_t last) {
  SCOPED_TRACE(std::string(header) + " size " + std::to_string(size));
  const RangeDecision d = DecideRange(header, size);
  ASSERT_EQ(d.outcome, RangeOutcome::kSatisfiable);
  EXPECT_EQ(d.range.first, first);
  EXPECT_EQ(d.range.last, last);
  EXPECT_EQ(d.range.length(), last - first + 1);
}

void ExpectOutcome(std::string_view header, uint64_t size, RangeOutcome outcome) {
  EXPECT_EQ(DecideRange(header, size).outcome, outcome)
      << "header \"" << header << "\" size " << size;
}

TEST(DecideRangeTest, ClosedRange) {
  ExpectRange("bytes=0-0", kSize, 0, 0);
  ExpectRange("bytes=0-499", kSize, 0, 499);
  ExpectRange("bytes=500-999", kSize, 500, 999);
  ExpectRange("bytes=999-999", kSize, 999, 999);
}

TEST(DecideRangeTest, LastIsClampedToTheContent) {
  ExpectRange("bytes=500-1000", kSize, 500, 999);
  ExpectRange("bytes=0-18446744073709551", kSize, 0, 999);
  ExpectRange("bytes=10-9223372036854775808", kSize, 10, 999);  // 2^63 itself is allowed
}

TEST(DecideRangeTest, OpenRange) {
  ExpectRange("bytes=0-", kSize, 0, 999);
  ExpectRange("bytes=999-", kSize, 999, 999);
  ExpectRange("bytes=0-", 1, 0, 0);
}

TEST(DecideRangeTest, SuffixRange) {
  ExpectRange("bytes=-1", kSize, 999, 999);
  ExpectRange("bytes=-500", kSize, 500, 999);
  ExpectRange("bytes=-1000", kSize, 0, 999);
  ExpectRange("bytes=-1001", kSize, 0, 999);  // larger than the content: all of it
  ExpectRange("bytes=-9223372036854775808", kSize, 0, 999);
  ExpectOutcome("bytes=-0", kSize, RangeOutcome::kUnsatisfiable);
  ExpectOutcome("bytes=-000", kSize, RangeOutcome::kUnsatisfiable);
}

TEST(DecideRangeTest, StartAtOrPastTheEnd) {
  ExpectOutcome("bytes=1000-", kSize, RangeOutcome::kUnsatisfiable);
  ExpectOutcome("bytes=1000-2000", kSize, RangeOutcome::kUnsatisfiable);
  ExpectOutcome("bytes=5000-5001", kSize, RangeOutcome::kUnsatisfiable);
}

TEST(DecideRangeTest, EmptyContent) {
  for (const char* h :
       {"bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-100", "bytes=5-3", "bytes=x"}) {
    ExpectOutcome(h, 0, RangeOutcome::kUnsatisfiable);
  }
  ExpectOutcome("items=0-1", 0, RangeOutcome::kIgnore);
}

TEST(DecideRangeTest, WhitespaceAndCase) {
  ExpectRange("  bytes=1-2  ", kSize, 1, 2);
  ExpectRange("BYTES=1-2", kSize, 1, 2);
  ExpectRange("Bytes = 1 - 2", kSize, 1, 2);
  ExpectRange("bytes=\t-7\t", kSize, 993, 999);
  ExpectRange("bytes= 3 -", kSize, 3, 999);
  ExpectRange("bytes=1-2, ", kSize, 1, 2);  // empty list elements do not count
  ExpectRange("bytes=,1-2", kSize, 1, 2);
  ExpectRange("bytes=007-008", kSize, 7, 8);
}

TEST(DecideRangeTest, UnknownUnitOrNoUnitIsIgnored) {
  ExpectOutcome("items=0-1", kSize, RangeOutcome::kIgnore);
  ExpectOutcome("bytesx=0-1", kSize, RangeOutcome::kIgnore);
  ExpectOutcome("=0-1", kSize, RangeOutcome::kIgnore);
  ExpectOutcome("bytes 0-1", kSize, RangeOutcome::kIgnore);
  ExpectOutcome("", kSize, RangeOutcome::kIgnore);
  ExpectOutcome("0-1", kSize, RangeOutcome::kIgnore);
}

TEST(DecideRangeTest, SeveralRangesAreIgnored) {
  ExpectOutcome("bytes=0-1,5-6", kSize, RangeOutcome::kIgnore);
  ExpectOutcome("bytes=0-1, -5", kSize, RangeOutcome::kIgnore);
  ExpectOutcome("bytes=0-1,garbage", kSize, RangeOutcome::kIgnore);
  ExpectOutcome("bytes=2000-3000,4000-", kSize, RangeOutcome::kIgnore);
}

TEST(DecideRangeTest, MalformedSpecsAreUnsatisfiable) {
  for (const char* h : {
           "bytes=",
           "bytes=   ",
           "bytes=,",
           "bytes=-",
           "bytes=5",
           "bytes=a-b",
           "bytes=1-b",
           "bytes=+1-2",
           "bytes=1-+2",
           "bytes=--5",
           "bytes=1-2-3",
           "bytes=0x1-2",
           "bytes=1.5-2",
           "bytes=5-3",
           "bytes=1 2-3",
           "bytes=-1 0",
       }) {
    ExpectOutcome(h, kSize, RangeOutcome::kUnsatisfiable);
  }
}

TEST(DecideRangeTest, NumbersOverTwoToTheSixtyThreeAreMalformed) {
  ExpectOutcome("bytes=9223372036854775809-", kSize, RangeOutcome::kUnsatisfiable);
  ExpectOutcome("bytes=0-9223372036854775809", kSize, RangeOutcome::kUnsatisfiable);
  ExpectOutcome("bytes=-9223372036854775809", kSize, RangeOutcome::kUnsatisfiable);
  ExpectOutcome("bytes=0-18446744073709551616", kSize, RangeOutcome::kUnsatisfiable);  // 2^64
  ExpectOutcome("bytes=0-99999999999999999999999999999999", kSize, RangeOutcome::kUnsatisfiable);
  // Leading zeros do not count towards the limit.
  ExpectRange("bytes=0000000000000000000000000001-2", kSize, 1, 2);
}

TEST(DecideRangeTest, HugeContent) {
  const uint64_t huge = uint64_t{1} << 62;
  ExpectRange("bytes=-10", huge, huge - 10, huge - 1);
  ExpectRange("bytes=4611686018427387903-", huge, huge - 1, huge - 1);
  ExpectOutcome("bytes=4611686018427387904-", huge, RangeOutcome::kUnsatisfiable);
  ExpectRange("bytes=0-", UINT64_MAX, 0, UINT64_MAX - 1);
}

}  // namespace
}  // namespace filesd
