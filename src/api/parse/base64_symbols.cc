#include "api/parse/base64_symbols.h"

#include <algorithm>
#include <array>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace filesd {
namespace {

// Base64 symbol values; -1 for anything else.
constexpr std::array<int8_t, 256> MakeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kSymbol = MakeTable();

#if defined(__x86_64__)

// 32 symbols (8 groups) at `in` to 24 bytes at `out`; writes 32 bytes there (the last 8 are
// scratch). False, with nothing meaningful written, if any of the 32 bytes is not a symbol.
__attribute__((target("avx2"))) bool DecodeBlockAvx2(const char* in, char* out) {
  const __m256i input = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
  const __m256i nibble_mask = _mm256_set1_epi8(0x0f);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(input, 4), nibble_mask);
  const __m256i lo = _mm256_and_si256(input, nibble_mask);
  // Each byte's class by its low and by its high nibble, as bit sets: a byte is a symbol iff the
  // two sets do not meet. Bytes >= 0x80 have a high nibble >= 8, whose set meets every low one.
  const __m256i lo_classes = _mm256_setr_epi8(
      0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a,
      0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
  const __m256i hi_classes = _mm256_setr_epi8(
      0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
      0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  if (!_mm256_testz_si256(_mm256_shuffle_epi8(lo_classes, lo),
                          _mm256_shuffle_epi8(hi_classes, hi))) {
    return false;
  }
  // Symbol to value: one offset per high nibble, '/' told apart from '+' (both 0x2_).
  const __m256i offsets = _mm256_setr_epi8(
      0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i is_slash = _mm256_cmpeq_epi8(input, _mm256_set1_epi8('/'));
  const __m256i values =
      _mm256_add_epi8(input, _mm256_shuffle_epi8(offsets, _mm256_add_epi8(is_slash, hi)));
  // Four 6-bit values per 32-bit lane to one 24-bit number, then its bytes, big end first.
  const __m256i pairs = _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x01400140));
  const __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
  const __m256i bytes = _mm256_shuffle_epi8(
      quads, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                              2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1));
  const __m256i packed = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), packed);
  return true;
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

#endif

}  // namespace

int Base64SymbolValue(char c) { return kSymbol[static_cast<unsigned char>(c)]; }

size_t DecodeBase64GroupsScalar(std::string_view in, size_t max_groups, char* out) {
  const size_t groups = std::min(max_groups, in.size() / 4);
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  size_t done = 0;
  for (; done < groups; ++done, p += 4, out += 3) {
    const int8_t a = kSymbol[p[0]];
    const int8_t b = kSymbol[p[1]];
    const int8_t c = kSymbol[p[2]];
    const int8_t d = kSymbol[p[3]];
    if ((a | b | c | d) < 0) break;
    const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    out[0] = static_cast<char>(v >> 16);
    out[1] = static_cast<char>(v >> 8);
    out[2] = static_cast<char>(v);
  }
  return done;
}

size_t DecodeBase64Groups(std::string_view in, size_t max_groups, char* out) {
  const size_t groups = std::min(max_groups, in.size() / 4);
  size_t done = 0;
#if defined(__x86_64__)
  if (HasAvx2()) {
    // A block writes 32 bytes for its 24: stop while 11 groups (33 bytes) of room remain.
    while (done + 11 <= groups && DecodeBlockAvx2(in.data() + done * 4, out + done * 3)) done += 8;
  }
#endif
  return done + DecodeBase64GroupsScalar(in.substr(done * 4), groups - done, out + done * 3);
}

}  // namespace filesd
