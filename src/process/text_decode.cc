#include "process/text_decode.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace filesd::process {

namespace {

inline bool IsCont(unsigned char c) { return (c & 0xC0) == 0x80; }

// The sequence length a lead byte announces, 0 for a byte that cannot start a sequence.
inline size_t LeadLength(unsigned char c) {
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) return 2;
  if (c < 0xF0) return 3;
  if (c < 0xF5) return 4;
  return 0;
}

// Bytes that are not UTF-8 continuation bytes (10xxxxxx), 16 at a time where SSE2 exists.
inline uint64_t CountNonContinuation(const unsigned char* p, size_t n) {
  uint64_t count = 0;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i limit = _mm_set1_epi8(-64);  // Signed: continuation bytes are -128..-65.
  const __m128i zero = _mm_setzero_si128();
  while (i + 16 * 255 <= n) {
    __m128i acc = zero;  // Per-byte counters of continuation bytes, at most 255 each.
    for (int k = 0; k < 255; ++k, i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      acc = _mm_sub_epi8(acc, _mm_cmplt_epi8(v, limit));
    }
    __m128i sums = _mm_sad_epu8(acc, zero);
    count += 16 * 255 - static_cast<uint64_t>(_mm_cvtsi128_si64(sums)) -
             static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; i < n; ++i) count += (p[i] & 0xC0) != 0x80;
  return count;
}

// True when the 64 bytes at p are all ASCII.
inline bool AllAscii64(const unsigned char* p) {
#if defined(__SSE2__)
  __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32));
  __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48));
  return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) == 0;
#else
  uint64_t w[8];
  std::memcpy(w, p, 64);
  return ((w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) & 0x8080808080808080ULL) == 0;
#endif
}

}  // namespace

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kUtf8Bom:
      return "utf-8-sig";
    case Encoding::kUtf16Le:
      return "utf-16-le";
    case Encoding::kUtf16Be:
      return "utf-16-be";
    case Encoding::kLatin1:
      return "latin-1";
  }
  return "utf-8";
}

size_t Utf8SequenceLength(std::string_view s) {
  if (s.empty()) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t len = LeadLength(p[0]);
  if (len <= 1 || s.size() < len) return len == 1 ? 1 : 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (p[0] == 0xE0) lo = 0xA0;
  if (p[0] == 0xED) hi = 0x9F;  // No surrogates.
  if (p[0] == 0xF0) lo = 0x90;
  if (p[0] == 0xF4) hi = 0x8F;  // Nothing above U+10FFFF.
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (!IsCont(p[i])) return 0;
  }
  return len;
}

std::string_view TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  for (int back = 0; back < 3 && end > 0 && IsCont(static_cast<unsigned char>(s[end])); ++back) --end;
  return s.substr(0, end);
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string Latin1ToUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) AppendUtf8(out, static_cast<unsigned char>(ch));
  return out;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    if (i + 64 <= s.size() && AllAscii64(p + i)) {
      out.append(s.data() + i, 64);
      i += 64;
      continue;
    }
    size_t len = Utf8SequenceLength(s.substr(i));
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
  return out;
}

void Utf8Validator::Feed(std::string_view chunk) {
  const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
  const size_t n = chunk.size();
  if (count_code_points_) code_points_ += CountNonContinuation(p, n);
  if (!valid_) return;
  size_t i = 0;
  if (pending_len_ > 0) {
    while (pending_len_ < pending_need_ && i < n) pending_[pending_len_++] = p[i++];
    if (pending_len_ < pending_need_) return;
    std::string_view seq(reinterpret_cast<const char*>(pending_), pending_len_);
    if (Utf8SequenceLength(seq) != pending_need_) {
      valid_ = false;
      return;
    }
    pending_len_ = 0;
  }
  while (i < n) {
    if (i + 64 <= n && AllAscii64(p + i)) {
      i += 64;
      continue;
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    size_t need = LeadLength(p[i]);
    if (need == 0) {
      valid_ = false;
      return;
    }
    if (i + need > n) {
      pending_len_ = n - i;
      pending_need_ = need;
      std::memcpy(pending_, p + i, pending_len_);
      return;
    }
    if (Utf8SequenceLength(std::string_view(chunk.data() + i, need)) != need) {
      valid_ = false;
      return;
    }
    i += need;
  }
}

void Utf8Validator::Finish() {
  if (pending_len_ > 0) valid_ = false;
  pending_len_ = 0;
}

void Utf16Decoder::Decode(std::string_view in, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  auto unit = [this](unsigned char a, unsigned char b) -> uint32_t {
    return big_endian_ ? (uint32_t{a} << 8 | b) : (uint32_t{b} << 8 | a);
  };
  auto handle = [this, &out](uint32_t u) {
    if (high_surrogate_ != 0) {
      if (u >= 0xDC00 && u <= 0xDFFF) {
        AppendUtf8(out, 0x10000 + ((high_surrogate_ - 0xD800) << 10) + (u - 0xDC00));
        high_surrogate_ = 0;
        return;
      }
      AppendUtf8(out, 0xFFFD);
      high_surrogate_ = 0;
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      high_surrogate_ = u;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      AppendUtf8(out, 0xFFFD);
    } else {
      AppendUtf8(out, u);
    }
  };
  size_t i = 0;
  if (have_odd_ && n > 0) {
    handle(unit(odd_byte_, p[0]));
    have_odd_ = false;
    i = 1;
  }
  for (; i + 1 < n; i += 2) handle(unit(p[i], p[i + 1]));
  if (i < n) {
    odd_byte_ = p[i];
    have_odd_ = true;
  }
}

void Utf16Decoder::Finish(std::string& out) {
  if (high_surrogate_ != 0) AppendUtf8(out, 0xFFFD);
  if (have_odd_) AppendUtf8(out, 0xFFFD);
  high_surrogate_ = 0;
  have_odd_ = false;
}

Encoding DetectBom(std::string_view head, size_t* bom_bytes) {
  *bom_bytes = 0;
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") {
    *bom_bytes = 3;
    return Encoding::kUtf8Bom;
  }
  if (head.size() >= 2 && head.substr(0, 2) == "\xFF\xFE") {
    *bom_bytes = 2;
    return Encoding::kUtf16Le;
  }
  if (head.size() >= 2 && head.substr(0, 2) == "\xFE\xFF") {
    *bom_bytes = 2;
    return Encoding::kUtf16Be;
  }
  return Encoding::kUtf8;
}

TextReader::TextReader(ByteSource& src, size_t chunk_bytes) : reader_(src, chunk_bytes) {}

Result<std::string_view> TextReader::Next() {
  if (done_) return std::string_view();
  if (!started_) {
    started_ = true;
    FILESD_ASSIGN_OR_RETURN(std::string_view head, reader_.Next());
    size_t bom = 0;
    bom_encoding_ = DetectBom(head, &bom);
    utf16_ = Utf16Decoder(bom_encoding_ == Encoding::kUtf16Be);
    // The first chunk is re-read after the BOM; one extra read of the head is cheap.
    reader_.set_offset(bom);
  }
  const bool utf16 = bom_encoding_ == Encoding::kUtf16Le || bom_encoding_ == Encoding::kUtf16Be;
  while (true) {
    FILESD_ASSIGN_OR_RETURN(std::string_view raw, reader_.Next());
    if (raw.empty()) {
      done_ = true;
      validator_.Finish();
      if (utf16) {
        decoded_.clear();
        utf16_.Finish(decoded_);
        return std::string_view(decoded_);
      }
      return std::string_view();
    }
    if (!utf16) {
      validator_.Feed(raw);
      return raw;
    }
    decoded_.clear();
    utf16_.Decode(raw, decoded_);
    if (!decoded_.empty()) return std::string_view(decoded_);
  }
}

Encoding TextReader::encoding() const {
  if (bom_encoding_ != Encoding::kUtf8) return bom_encoding_;
  return validator_.valid() ? Encoding::kUtf8 : Encoding::kLatin1;
}

std::string TextCapture::Finish(bool latin1) {
  if (latin1) {
    std::string utf8 = Latin1ToUtf8(raw_);
    utf8.resize(TruncateUtf8(utf8, max_bytes_).size());
    return utf8;
  }
  return SanitizeUtf8(TruncateUtf8(raw_, max_bytes_));
}

}  // namespace filesd::process
