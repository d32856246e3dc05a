#include "process/json_scanner.h"

#include <algorithm>

#include "process/json_writer.h"
#include "process/processor.h"
#include "process/text_decode.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace filesd::process {

namespace {

enum NumberState : uint8_t {
  kNumSign = 1,   // After '-': a digit must follow.
  kNumZero,       // A leading 0: '.', an exponent or the end.
  kNumInt,        // Integer digits.
  kNumDot,        // After '.': a digit must follow.
  kNumFrac,       // Fraction digits.
  kNumExp,        // After 'e': a sign or a digit.
  kNumExpSign,    // After the exponent's sign: a digit.
  kNumExpDigits,  // Exponent digits.
};

inline bool IsWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The end of the run of plain string bytes at d[i..n): the first '"', '\\' or control byte.
inline size_t StringRunEnd(const char* d, size_t i, size_t n) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  while (i + 16 <= n) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + i));
    // Unsigned v < 0x20, as a signed compare of both sides with the top bit flipped.
    __m128i ctrl = _mm_cmplt_epi8(_mm_xor_si128(v, flip), _mm_xor_si128(space, flip));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), ctrl);
    int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    i += 16;
  }
#endif
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(d[i]);
    if (c == '"' || c == '\\' || c < 0x20) break;
    ++i;
  }
  return i;
}

}  // namespace

JsonScanner::JsonScanner(int max_depth) : max_depth_(max_depth) { FILESD_CHECK(max_depth >= 1); }

void JsonScanner::Fail(std::string message) {
  if (status_.ok()) status_ = InvalidFile("invalid JSON at byte " + std::to_string(offset_) + ": " + message);
}

bool JsonScanner::Push(bool is_object) {
  stack_.push_back(is_object ? 'o' : 'a');
  if (stack_.size() > static_cast<size_t>(max_depth_)) {
    status_ = LimitExceeded("the JSON document is nested deeper than " + FormatCount(max_depth_) + " levels");
    return false;
  }
  max_depth_seen_ = std::max(max_depth_seen_, static_cast<int>(stack_.size()));
  return true;
}

void JsonScanner::EndValue() { state_ = stack_.empty() ? State::kDone : State::kAfterValue; }

void JsonScanner::StartValue(char c) {
  std::string_view type;
  switch (c) {
    case '{':
      type = "object";
      break;
    case '[':
      type = "array";
      break;
    case '"':
      type = "string";
      break;
    case 't':
    case 'f':
      type = "boolean";
      break;
    case 'n':
      type = "null";
      break;
    default:
      if (c == '-' || IsDigit(c)) {
        type = "number";
      } else {
        Fail("unexpected character");
        return;
      }
  }
  if (stack_.empty()) root_type_ = type;
  if (stack_.size() == 1 && stack_[0] == 'a') ++length_;
  switch (c) {
    case '{':
      if (Push(true)) state_ = State::kObjectFirst;
      return;
    case '[':
      if (Push(false)) state_ = State::kArrayFirst;
      return;
    case '"':
      string_is_key_ = false;
      collect_ = false;
      state_ = State::kString;
      return;
    case 't':
      literal_ = "true";
      break;
    case 'f':
      literal_ = "false";
      break;
    case 'n':
      literal_ = "null";
      break;
    default:
      number_state_ = c == '-' ? kNumSign : c == '0' ? kNumZero : kNumInt;
      state_ = State::kNumber;
      return;
  }
  literal_pos_ = 1;
  state_ = State::kLiteral;
}

void JsonScanner::NumberStep(char c) {
  const bool digit = IsDigit(c);
  switch (number_state_) {
    case kNumSign:
      if (!digit) return Fail("a digit must follow '-'");
      number_state_ = c == '0' ? kNumZero : kNumInt;
      return;
    case kNumZero:
      if (c == '.') {
        number_state_ = kNumDot;
        return;
      }
      if (c == 'e' || c == 'E') {
        number_state_ = kNumExp;
        return;
      }
      if (digit) return Fail("a number may not have a leading zero");
      break;
    case kNumInt:
      if (digit) return;
      if (c == '.') {
        number_state_ = kNumDot;
        return;
      }
      if (c == 'e' || c == 'E') {
        number_state_ = kNumExp;
        return;
      }
      break;
    case kNumDot:
      if (!digit) return Fail("a digit must follow '.'");
      number_state_ = kNumFrac;
      return;
    case kNumFrac:
      if (digit) return;
      if (c == 'e' || c == 'E') {
        number_state_ = kNumExp;
        return;
      }
      break;
    case kNumExp:
      if (c == '+' || c == '-') {
        number_state_ = kNumExpSign;
        return;
      }
      if (!digit) return Fail("a digit must follow the exponent");
      number_state_ = kNumExpDigits;
      return;
    case kNumExpSign:
      if (!digit) return Fail("a digit must follow the exponent's sign");
      number_state_ = kNumExpDigits;
      return;
    case kNumExpDigits:
      if (digit) return;
      break;
  }
  // `c` ends the number and belongs to what follows.
  EndValue();
  Step(c);
}

void JsonScanner::Step(char c) {
  switch (state_) {
    case State::kValue:
    case State::kArrayFirst:
      if (IsWhitespace(c)) return;
      if (state_ == State::kArrayFirst && c == ']') {
        stack_.pop_back();
        EndValue();
        return;
      }
      StartValue(c);
      return;
    case State::kObjectFirst:
    case State::kObjectKey:
      if (IsWhitespace(c)) return;
      if (state_ == State::kObjectFirst && c == '}') {
        stack_.pop_back();
        EndValue();
        return;
      }
      if (c != '"') return Fail("expected a string key");
      string_is_key_ = true;
      collect_ = stack_.size() == 1;
      key_.clear();
      state_ = State::kString;
      return;
    case State::kColon:
      if (IsWhitespace(c)) return;
      if (c != ':') return Fail("expected ':' after a key");
      state_ = State::kValue;
      return;
    case State::kAfterValue: {
      if (IsWhitespace(c)) return;
      const char top = stack_.back();
      if (c == ',') {
        state_ = top == 'o' ? State::kObjectKey : State::kValue;
        return;
      }
      if ((c == '}' && top == 'o') || (c == ']' && top == 'a')) {
        stack_.pop_back();
        EndValue();
        return;
      }
      return Fail("expected ',' or a closing bracket");
    }
    case State::kString:
      if (c == '"') {
        if (string_is_key_) {
          if (collect_) {
            ++key_count_;
            if (keys_.size() < kJsonMaxKeptKeys) keys_.push_back(SanitizeUtf8(key_));
          }
          string_is_key_ = false;
          collect_ = false;
          state_ = State::kColon;
        } else {
          EndValue();
        }
        return;
      }
      if (c == '\\') {
        state_ = State::kEscape;
        return;
      }
      return Fail("control character in a string");
    case State::kEscape: {
      char decoded = 0;
      switch (c) {
        case '"':
          decoded = '"';
          break;
        case '\\':
          decoded = '\\';
          break;
        case '/':
          decoded = '/';
          break;
        case 'b':
          decoded = '\b';
          break;
        case 'f':
          decoded = '\f';
          break;
        case 'n':
          decoded = '\n';
          break;
        case 'r':
          decoded = '\r';
          break;
        case 't':
          decoded = '\t';
          break;
        case 'u':
          unicode_left_ = 4;
          unicode_value_ = 0;
          state_ = State::kUnicode;
          return;
        default:
          return Fail("invalid escape in a string");
      }
      if (collect_ && key_.size() < kJsonMaxKeyBytes) key_.push_back(decoded);
      state_ = State::kString;
      return;
    }
    case State::kUnicode: {
      const int h = HexValue(c);
      if (h < 0) return Fail("invalid \\u escape");
      unicode_value_ = unicode_value_ * 16 + static_cast<uint32_t>(h);
      if (--unicode_left_ > 0) return;
      state_ = State::kString;
      if (!collect_) return;
      const uint32_t u = unicode_value_;
      std::string utf8;
      if (u >= 0xD800 && u <= 0xDBFF) {
        high_surrogate_ = u;
        return;
      }
      if (u >= 0xDC00 && u <= 0xDFFF) {
        AppendUtf8(utf8, high_surrogate_ != 0 ? 0x10000 + ((high_surrogate_ - 0xD800) << 10) + (u - 0xDC00)
                                              : 0xFFFD);
      } else {
        AppendUtf8(utf8, u);
      }
      high_surrogate_ = 0;
      if (key_.size() + utf8.size() <= kJsonMaxKeyBytes) key_ += utf8;
      return;
    }
    case State::kNumber:
      NumberStep(c);
      return;
    case State::kLiteral:
      if (c != literal_[literal_pos_]) return Fail("invalid literal");
      if (++literal_pos_ == literal_.size()) EndValue();
      return;
    case State::kDone:
      if (IsWhitespace(c)) return;
      second_value_ = true;
      return Fail("unexpected content after the JSON value");
  }
}

void JsonScanner::Feed(std::string_view chunk) {
  const char* d = chunk.data();
  const size_t n = chunk.size();
  size_t i = 0;
  while (i < n && status_.ok()) {
    if (state_ == State::kString) {
      const size_t end = StringRunEnd(d, i, n);
      if (collect_ && key_.size() < kJsonMaxKeyBytes) {
        key_.append(d + i, std::min(end - i, kJsonMaxKeyBytes - key_.size()));
      }
      offset_ += end - i;
      i = end;
      if (i == n) break;
    } else if (state_ == State::kNumber && (number_state_ == kNumInt || number_state_ == kNumFrac ||
                                            number_state_ == kNumExpDigits)) {
      // Digits that continue a number change nothing: skip the run.
      size_t end = i;
      while (end < n && IsDigit(d[end])) ++end;
      offset_ += end - i;
      i = end;
      if (i == n) break;
    }
    Step(d[i]);
    ++i;
    ++offset_;
  }
}

void JsonScanner::Finish() {
  if (!status_.ok()) return;
  if (state_ == State::kNumber) {
    if (number_state_ == kNumZero || number_state_ == kNumInt || number_state_ == kNumFrac ||
        number_state_ == kNumExpDigits) {
      EndValue();
    } else {
      return Fail("incomplete number");
    }
  }
  if (root_type_.empty()) return Fail("the document is empty");
  if (state_ != State::kDone) Fail("unexpected end of the document");
}

}  // namespace filesd::process
