// Sha256::ExportState / Resume: a stream hashed in pieces, with the state carried as text between
// them, yields the FIPS 180 digests; anything that is not exactly an exported state is refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/crypto.h"

namespace filesd {
namespace {

// FIPS 180-2 appendix B.1, B.2, B.3.
const std::string kAbc = "abc";
constexpr char kAbcDigest[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string k448Bit = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr char k448BitDigest[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kMillionADigest[] =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
constexpr char kInitialWords[] =
    "6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19";

std::unique_ptr<Sha256> ResumeOk(const std::string& state) {
  auto r = Sha256::Resume(state);
  EXPECT_TRUE(r.ok()) << r.status().ToString() << " for " << state;
  return r.ok() ? std::move(r).value() : nullptr;
}

// Hashes `data` cut at `cuts` (ascending offsets), carrying the state across every cut as text
// through a fresh object, as appends in different requests (or instances) would.
std::string DigestThroughStates(const std::string& data, const std::vector<size_t>& cuts) {
  auto sha = std::make_unique<Sha256>();
  size_t at = 0;
  for (size_t cut : cuts) {
    sha->Update(std::string_view(data).substr(at, cut - at));
    at = cut;
    const std::string state = sha->ExportState();
    sha = ResumeOk(state);
    if (sha == nullptr) return "";
  }
  sha->Update(std::string_view(data).substr(at));
  return sha->FinishHex();
}

TEST(Sha256StateTest, EmptyStateIsTheInitialValue) {
  Sha256 sha;
  EXPECT_EQ(sha.ExportState(), std::string("s1:") + kInitialWords + ":0:");
  EXPECT_EQ(ResumeOk(sha.ExportState())->FinishHex(), Sha256::HexOf(""));
}

TEST(Sha256StateTest, PendingBytesAndCountAreInTheText) {
  Sha256 sha;
  sha.Update(kAbc);
  EXPECT_EQ(sha.ExportState(), std::string("s1:") + kInitialWords + ":3:616263");
  // Exporting changes nothing: the original goes on to the right digest.
  EXPECT_EQ(sha.ExportState(), sha.ExportState());
  EXPECT_EQ(sha.FinishHex(), kAbcDigest);
}

TEST(Sha256StateTest, AfterAWholeBlockNothingIsPending) {
  Sha256 sha;
  sha.Update(std::string(64, 'a'));
  const std::string state = sha.ExportState();
  EXPECT_EQ(state.substr(state.size() - 4), ":64:");
  EXPECT_NE(state.substr(3, 64), kInitialWords);  // the block was folded into the words
}

TEST(Sha256StateTest, AbcSplitAtEveryPoint) {
  for (size_t i = 0; i <= kAbc.size(); ++i) {
    EXPECT_EQ(DigestThroughStates(kAbc, {i}), kAbcDigest) << "cut at " << i;
  }
  EXPECT_EQ(DigestThroughStates(kAbc, {0, 1, 2, 3}), kAbcDigest);
}

TEST(Sha256StateTest, FourFortyEightBitMessageSplitAtEveryPair) {
  for (size_t i = 0; i <= k448Bit.size(); ++i) {
    for (size_t j = i; j <= k448Bit.size(); ++j) {
      ASSERT_EQ(DigestThroughStates(k448Bit, {i, j}), k448BitDigest) << "cuts " << i << "," << j;
    }
  }
}

TEST(Sha256StateTest, MillionASplitAtEveryBoundaryClass) {
  const std::string data(1000000, 'a');
  // Block starts, ends and neighbours, the padding edge (55/56), large and final offsets.
  for (size_t cut : {size_t{0}, size_t{1}, size_t{55}, size_t{56}, size_t{63}, size_t{64},
                     size_t{65}, size_t{119}, size_t{120}, size_t{127}, size_t{128}, size_t{4095},
                     size_t{4096}, size_t{65537}, size_t{999936}, size_t{999999}, size_t{1000000}}) {
    EXPECT_EQ(DigestThroughStates(data, {cut}), kMillionADigest) << "cut at " << cut;
  }
  // Every residue of the 64-byte block, in one chain of 64 cuts.
  std::vector<size_t> cuts;
  for (size_t r = 0; r < 64; ++r) cuts.push_back(r * 15000 + r);
  EXPECT_EQ(DigestThroughStates(data, cuts), kMillionADigest);
}

TEST(Sha256StateTest, ResumedStateExportsTheSameText) {
  Sha256 sha;
  sha.Update(k448Bit);
  sha.Update(kAbc);
  const std::string state = sha.ExportState();
  EXPECT_EQ(ResumeOk(state)->ExportState(), state);
}

TEST(Sha256StateTest, MalformedStatesAreRefused) {
  const std::string words = kInitialWords;
  const std::vector<std::string> bad = {
      "",
      "s1:",
      "s1::0:",
      "s2:" + words + ":0:",                       // unknown version
      "S1:" + words + ":0:",
      "s1:" + words + ":0",                        // missing pending field
      "s1:" + words + ":0::",                      // extra field
      "s1:" + words + ":0:00",                     // pending longer than count says
      "s1:" + words + ":3:6162",                   // pending shorter
      "s1:" + words + ":3:61626",                  // odd hex
      "s1:" + words + ":3:61626g",                 // not hex
      "s1:" + words + ":3:61626A",                 // uppercase: not canonical
      "s1:" + words.substr(1) + ":0:",             // 63 word digits
      "s1:" + words + "0:0:",                      // 65 word digits
      "s1:" + std::string(64, 'G') + ":0:",
      "s1:" + std::string(63, '0') + "A:0:",
      "s1:" + words + ":00:",                      // leading zero
      "s1:" + words + ":03:616263",
      "s1:" + words + ":-1:",
      "s1:" + words + ":+3:616263",
      "s1:" + words + ": 3:616263",
      "s1:" + words + "::",                        // empty count
      "s1:" + words + ":2305843009213693952:",     // 2^61: more bits than SHA-256 counts
      "s1:" + words + ":18446744073709551616:",    // 2^64
      "s1:" + words + ":99999999999999999999:",    // 20 digits
      "s1:" + words + ":3:616263 ",
      std::string("s1:") + words + ":3:61\0" "63",
      "s1:" + words + ":1:61\n",
  };
  for (const std::string& s : bad) {
    auto r = Sha256::Resume(s);
    EXPECT_FALSE(r.ok()) << "accepted: " << s;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInternal);
    }
  }
}

TEST(Sha256StateTest, EveryTruncationIsRefusedAndEveryEditIsCanonical) {
  Sha256 sha;
  sha.Update(k448Bit.substr(0, 37));
  const std::string state = sha.ExportState();
  for (size_t n = 0; n < state.size(); ++n) {
    EXPECT_FALSE(Sha256::Resume(state.substr(0, n)).ok()) << "prefix of " << n;
  }
  // A one-character edit is either refused or another valid state, which then round-trips exactly.
  for (size_t i = 0; i < state.size(); ++i) {
    for (char c : std::string("0af:gG\x01\xff")) {
      std::string edited = state;
      edited[i] = c;
      auto r = Sha256::Resume(edited);
      if (r.ok()) {
        EXPECT_EQ((*r)->ExportState(), edited);
      }
    }
  }
}

TEST(Sha256StateTest, LargeCountsRoundTrip) {
  // The largest count the format allows, with its pending bytes: resumable and re-exported as is.
  const std::string max_state =
      std::string("s1:") + kInitialWords + ":2305843009213693951:" + std::string(126, 'e');
  EXPECT_EQ(ResumeOk(max_state)->ExportState(), max_state);
  // A count past 2^32 bits (the low word of OpenSSL's counter) keeps its high part.
  const std::string big = std::string("s1:") + kInitialWords + ":4294967296:";
  auto sha = ResumeOk(big);
  sha->Update(std::string(64, 'x'));
  const std::string after = sha->ExportState();
  EXPECT_EQ(after.substr(67), ":4294967360:");
}

}  // namespace
}  // namespace filesd
