#include "api/parse/base64_chunk_reader.h"

#include <algorithm>
#include <charconv>

#include "api/parse/base64_symbols.h"

namespace filesd {
namespace {

constexpr size_t kMaxKeyBytes = 256;
constexpr size_t kMaxSkipDepth = 32;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsScalarChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '+' || c == '-';
}

Status Malformed(std::string what) { return InvalidArgument("request body: " + what, "invalid_body"); }

}  // namespace

Base64ChunkReader::Base64ChunkReader(size_t max_decoded_bytes)
    : max_decoded_bytes_(max_decoded_bytes) {}

Status Base64ChunkReader::Fail(Status s) {
  error_ = s;
  return s;
}

Status Base64ChunkReader::FlushQuantum(bool final) {
  if (quantum_len_ == 4) {
    if (decoded_size() + 3 > max_decoded_bytes_) {
      return PayloadTooLarge("chunk is larger than " + std::to_string(max_decoded_bytes_) +
                                 " bytes after Base64 decoding",
                             "chunk_too_large");
    }
    out_.data += static_cast<char>(quantum_ >> 16);
    out_.data += static_cast<char>(quantum_ >> 8);
    out_.data += static_cast<char>(quantum_);
    quantum_ = 0;
    quantum_len_ = 0;
    return Status::Ok();
  }
  if (!final) return Status::Ok();
  if (quantum_len_ == 0) {
    if (padding_count_ > 0) return Malformed("data is not valid Base64 (misplaced padding)");
    return Status::Ok();
  }
  if (quantum_len_ == 1) return Malformed("data is not valid Base64 (truncated)");
  if (padding_count_ > 0 && quantum_len_ + padding_count_ != 4) {
    return Malformed("data is not valid Base64 (wrong padding)");
  }
  const size_t n = quantum_len_ == 2 ? 1 : 2;
  if (decoded_size() + n > max_decoded_bytes_) {
    return PayloadTooLarge("chunk is larger than " + std::to_string(max_decoded_bytes_) +
                               " bytes after Base64 decoding",
                           "chunk_too_large");
  }
  const uint32_t v = quantum_ << (6 * (4 - quantum_len_));
  out_.data += static_cast<char>(v >> 16);
  if (n == 2) out_.data += static_cast<char>(v >> 8);
  quantum_ = 0;
  quantum_len_ = 0;
  return Status::Ok();
}

Status Base64ChunkReader::DecodeSymbol(char c) {
  if (c == '=') {
    if (quantum_len_ < 2 || padding_count_ >= 2) {
      return Malformed("data is not valid Base64 (misplaced padding)");
    }
    data_padding_ = true;
    ++padding_count_;
    return Status::Ok();
  }
  const int v = Base64SymbolValue(c);
  if (v < 0) return Malformed("data is not valid Base64");
  if (data_padding_) return Malformed("data is not valid Base64 (data after padding)");
  quantum_ = (quantum_ << 6) | static_cast<uint32_t>(v);
  ++quantum_len_;
  return FlushQuantum(false);
}

Status Base64ChunkReader::BeginValue(char c) {
  if (current_key_ == "data") {
    if (saw_data_) return Malformed("duplicate key \"data\"");
    if (c != '"') return Malformed("\"data\" must be a Base64 string");
    saw_data_ = true;
    state_ = State::kInData;
    return Status::Ok();
  }
  if (current_key_ == "offset") {
    if (saw_offset_) return Malformed("duplicate key \"offset\"");
    if (c < '0' || c > '9') return Malformed("\"offset\" must be a non-negative integer");
    saw_offset_ = true;
    offset_digits_.assign(1, c);
    state_ = State::kInOffset;
    return Status::Ok();
  }
  state_ = State::kSkipValue;
  skip_stack_.clear();
  skip_in_string_ = skip_escape_ = skip_scalar_ = false;
  return StepSkip(c);
}

// Skips one JSON value of an unknown key. Sets state_ to kAfterValue when it is complete; a scalar
// is complete only at the character after it, which is then handled as kAfterValue.
Status Base64ChunkReader::StepSkip(char c) {
  if (skip_in_string_) {
    if (skip_escape_) {
      skip_escape_ = false;
    } else if (c == '\\') {
      skip_escape_ = true;
    } else if (c == '"') {
      skip_in_string_ = false;
      if (skip_stack_.empty()) state_ = State::kAfterValue;
    }
    return Status::Ok();
  }
  if (skip_scalar_) {
    if (IsScalarChar(c)) return Status::Ok();
    skip_scalar_ = false;
    if (skip_stack_.empty()) {
      state_ = State::kAfterValue;
      return Feed(std::string_view(&c, 1));
    }
  }
  if (IsJsonSpace(c) || c == ',' || c == ':') return Status::Ok();
  if (c == '"') {
    skip_in_string_ = true;
  } else if (c == '{' || c == '[') {
    if (skip_stack_.size() >= kMaxSkipDepth) return Malformed("JSON nested too deeply");
    skip_stack_.push_back(c);
  } else if (c == '}' || c == ']') {
    const char open = c == '}' ? '{' : '[';
    if (skip_stack_.empty() || skip_stack_.back() != open) return Malformed("malformed JSON");
    skip_stack_.pop_back();
    if (skip_stack_.empty()) state_ = State::kAfterValue;
  } else if (IsScalarChar(c)) {
    skip_scalar_ = true;
  } else {
    return Malformed("malformed JSON");
  }
  return Status::Ok();
}

Status Base64ChunkReader::Feed(std::string_view piece) {
  if (!error_.ok()) return error_;
  const char* p = piece.data();
  const char* end = p + piece.size();
  while (p < end) {
    const char c = *p;
    switch (state_) {
      case State::kBeforeObject:
        if (c == '{') {
          state_ = State::kBeforeKey;
          current_key_.clear();
        } else if (!IsJsonSpace(c)) {
          return Fail(Malformed("must be a JSON object"));
        }
        break;
      case State::kBeforeKey:
        if (c == '"') {
          key_.clear();
          state_ = State::kInKey;
        } else if (c == '}' && current_key_.empty()) {
          state_ = State::kAfterObject;  // "{}": Finish() reports the missing "data"
        } else if (!IsJsonSpace(c)) {
          return Fail(Malformed("expected a key"));
        }
        break;
      case State::kInKey:
        if (c == '"') {
          current_key_ = key_.empty() ? std::string(1, '\0') : key_;
          state_ = State::kAfterKey;
        } else if (c == '\\') {
          state_ = State::kKeyEscape;
        } else {
          if (key_.size() >= kMaxKeyBytes) return Fail(Malformed("key too long"));
          key_ += c;
        }
        break;
      case State::kKeyEscape:
        if (key_.size() >= kMaxKeyBytes) return Fail(Malformed("key too long"));
        key_ += c;  // keys filesd reads have no escapes; an escaped key is just another unknown key
        key_ += '\\';
        state_ = State::kInKey;
        break;
      case State::kAfterKey:
        if (c == ':') {
          state_ = State::kBeforeValue;
        } else if (!IsJsonSpace(c)) {
          return Fail(Malformed("expected ':' after a key"));
        }
        break;
      case State::kBeforeValue:
        if (!IsJsonSpace(c)) {
          if (Status s = BeginValue(c); !s.ok()) return Fail(s);
        }
        break;
      case State::kInData: {
        // Fast path: a run of plain Base64 symbols, decoded straight into the output (as many
        // whole quanta as the input and the size limit allow; the slow path reports the limit),
        // by vector instructions where the CPU has them (base64_symbols.h).
        if (quantum_len_ == 0 && !data_padding_) {
          const size_t quanta = std::min<size_t>(static_cast<size_t>(end - p) / 4,
                                                 (max_decoded_bytes_ - decoded_size()) / 3);
          const size_t old_size = out_.data.size();
          out_.data.resize(old_size + quanta * 3);
          const size_t done = DecodeBase64Groups(std::string_view(p, static_cast<size_t>(end - p)),
                                                 quanta, out_.data.data() + old_size);
          p += done * 4;
          out_.data.resize(old_size + done * 3);
        }
        if (p == end) return Status::Ok();
        const char ch = *p;
        if (ch == '"') {
          if (Status s = FlushQuantum(true); !s.ok()) return Fail(s);
          state_ = State::kAfterValue;
        } else if (ch == '\\') {
          state_ = State::kDataEscape;
        } else if (!IsJsonSpace(ch)) {
          if (Status s = DecodeSymbol(ch); !s.ok()) return Fail(s);
        }
        break;
      }
      case State::kDataEscape:
        state_ = State::kInData;
        if (c == '/') {
          if (Status s = DecodeSymbol('/'); !s.ok()) return Fail(s);
        } else if (c == 'u') {
          unicode_digits_.clear();
          state_ = State::kDataUnicode;
        } else if (c != 'n' && c != 'r' && c != 't') {
          return Fail(Malformed("data is not valid Base64"));
        }
        break;
      case State::kDataUnicode: {
        unicode_digits_ += c;
        if (unicode_digits_.size() < 4) break;
        unsigned cp = 0;
        auto [ptr, ec] = std::from_chars(unicode_digits_.data(), unicode_digits_.data() + 4, cp, 16);
        if (ec != std::errc() || ptr != unicode_digits_.data() + 4 || cp >= 0x80) {
          return Fail(Malformed("data is not valid Base64"));
        }
        state_ = State::kInData;
        if (!IsJsonSpace(static_cast<char>(cp))) {
          if (Status s = DecodeSymbol(static_cast<char>(cp)); !s.ok()) return Fail(s);
        }
        break;
      }
      case State::kInOffset:
        if (c >= '0' && c <= '9') {
          if (offset_digits_.size() >= 19) return Fail(Malformed("\"offset\" is too large"));
          offset_digits_ += c;
          break;
        }
        if (c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
          return Fail(Malformed("\"offset\" must be a non-negative integer"));
        }
        {
          uint64_t v = 0;
          std::from_chars(offset_digits_.data(), offset_digits_.data() + offset_digits_.size(), v);
          out_.offset = v;
        }
        state_ = State::kAfterValue;
        continue;  // this character ends the number: handle it as kAfterValue
      case State::kSkipValue:
        if (Status s = StepSkip(c); !s.ok()) return Fail(s);
        break;
      case State::kAfterValue:
        if (c == ',') {
          state_ = State::kBeforeKey;
          current_key_ = "\x01";  // a key is now required
        } else if (c == '}') {
          state_ = State::kAfterObject;
        } else if (!IsJsonSpace(c)) {
          return Fail(Malformed("expected ',' or '}'"));
        }
        break;
      case State::kAfterObject:
        if (!IsJsonSpace(c)) return Fail(Malformed("unexpected data after the JSON object"));
        break;
    }
    ++p;
  }
  return Status::Ok();
}

void Base64ChunkReader::ConsumeDecoded() {
  consumed_ += out_.data.size();
  out_.data.clear();
}

Result<ChunkBody> Base64ChunkReader::Finish() {
  if (!error_.ok()) return error_;
  if (state_ == State::kInOffset) {
    // A bare number cannot end the body: the object was never closed.
    return Fail(Malformed("ended before the JSON object was complete"));
  }
  if (state_ == State::kSkipValue && skip_scalar_ && skip_stack_.empty()) {
    return Fail(Malformed("ended before the JSON object was complete"));
  }
  if (state_ != State::kAfterObject) {
    return Fail(Malformed("ended before the JSON object was complete"));
  }
  if (!saw_data_) return Fail(Malformed("missing required key \"data\"").WithParam("data"));
  return std::move(out_);
}

}  // namespace filesd
