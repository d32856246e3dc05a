#include "api/parse/multipart_parser.h"
#include "api/parse/http_syntax.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace filesd {

// Where the parser is in the body. The delimiter search (kPreamble, kBody) is the hot path; the
// other states see a few bytes per part.
enum class MultipartParser::State : uint8_t {
  kPreamble,        // discarding bytes before the first delimiter
  kAfterDelimiter,  // a delimiter was matched; next comes "--" or transport padding and CRLF
  kCloseDash,       // saw the first '-' of "--" after a delimiter
  kPadding,         // skipping spaces and tabs before the CRLF ending a delimiter line
  kPaddingCr,       // saw the CR of that CRLF
  kHeaders,         // collecting the header block of a part
  kBody,            // passing a part's bytes through until the next delimiter
  kEpilogue,        // after the close delimiter: everything is ignored
  kError,           // error_ holds the first failure
};

namespace {

using http_syntax::AsciiLower;
using http_syntax::EqualsIgnoreCase;
using http_syntax::IsOws;
using http_syntax::IsTokenChar;
using http_syntax::SkipOws;
using http_syntax::TrimOws;

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kHeaderEnd = "\r\n\r\n";

Status Malformed(std::string_view what) {
  return InvalidArgument("multipart body: " + std::string(what));
}

// RFC 2046 bcharsnospace; a space is allowed too, except at the end.
bool IsBoundaryChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("'()+_,-./:=? ", c) != nullptr && c != '\0';
}

std::string_view ReadToken(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && IsTokenChar(s[n])) ++n;
  std::string_view token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

// How a quoted parameter value escapes its bytes.
enum class Quoting {
  // RFC 9110 quoted-string: a backslash escapes the next byte. Content-Type, and the part headers
  // of RFC 7578 generators that escape (Go's mime/multipart sends `\"` and `\\`).
  kBackslashEscapes,
  // WHATWG HTML form encoding, what browsers, curl, urllib3 2 and fetch's FormData send: a backslash
  // is a literal byte, the value ends at the next quote, and '"', CR and LF arrive as %22, %0D and
  // %0A (decoded here; any other '%' is literal, as those clients leave it).
  kWhatwg,
};

// The WHATWG escapes of a quoted form value, undone. Case-insensitive hex, as a lenient reader.
void DecodeWhatwgEscapes(std::string* value) {
  if (value->find('%') == std::string::npos) return;
  std::string out;
  out.reserve(value->size());
  for (size_t i = 0; i < value->size(); ++i) {
    if ((*value)[i] == '%' && i + 2 < value->size()) {
      const char hi = (*value)[i + 1];
      const char lo = AsciiLower((*value)[i + 2]);
      if (hi == '2' && lo == '2') {
        out.push_back('"');
        i += 2;
        continue;
      }
      if (hi == '0' && (lo == 'd' || lo == 'a')) {
        out.push_back(lo == 'd' ? '\r' : '\n');
        i += 2;
        continue;
      }
    }
    out.push_back((*value)[i]);
  }
  *value = std::move(out);
}

// A parameter value: a quoted-string (escaped as `quoting` says) or, leniently, any run of bytes
// up to the next ';', whitespace or quote (strictly a token; real boundaries such as "a/b=" are
// sometimes sent unquoted). REQUIRES: `s` does not start with whitespace.
bool ReadParamValue(std::string_view& s, Quoting quoting, std::string* value) {
  value->clear();
  if (!s.empty() && s.front() == '"') {
    size_t i = 1;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        s.remove_prefix(i + 1);
        if (quoting == Quoting::kWhatwg) DecodeWhatwgEscapes(value);
        return true;
      }
      if (c == '\\' && quoting == Quoting::kBackslashEscapes) {
        if (i + 1 >= s.size()) return false;
        c = s[i + 1];
        ++i;
      }
      value->push_back(c);
      ++i;
    }
    return false;  // unterminated
  }
  size_t n = 0;
  while (n < s.size() && s[n] != ';' && s[n] != '"' && !IsOws(s[n])) ++n;
  if (n == 0) return false;
  value->assign(s.substr(0, n));
  s.remove_prefix(n);
  return true;
}

struct Param {
  std::string name;  // lower-cased
  std::string value;
};

// Parses `*( OWS ";" OWS name OWS "=" OWS value ) OWS`, as both Content-Type and
// Content-Disposition use it. Empty elements (";;", a trailing ';') are skipped.
bool ParseParams(std::string_view s, Quoting quoting, std::vector<Param>* params) {
  while (true) {
    SkipOws(s);
    if (s.empty()) return true;
    if (s.front() != ';') return false;
    s.remove_prefix(1);
    SkipOws(s);
    if (s.empty() || s.front() == ';') continue;
    std::string_view name = ReadToken(s);
    if (name.empty()) return false;
    SkipOws(s);
    if (s.empty() || s.front() != '=') return false;
    s.remove_prefix(1);
    SkipOws(s);
    Param param;
    param.name.reserve(name.size());
    for (char c : name) param.name.push_back(AsciiLower(c));
    if (!ReadParamValue(s, quoting, &param.value)) return false;
    params->push_back(std::move(param));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    uint32_t cp;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = b0 & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// RFC 5987/8187 ext-value: charset "'" [ language ] "'" pct-encoded value. UTF-8 and ISO-8859-1
// (the two charsets the RFC names) are decoded to UTF-8.
Result<std::string> DecodeExtValue(std::string_view ext) {
  const size_t q1 = ext.find('\'');
  const size_t q2 = q1 == std::string_view::npos ? q1 : ext.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) {
    return Malformed("filename* must look like UTF-8''percent-encoded-name");
  }
  const std::string_view charset = ext.substr(0, q1);
  const bool latin1 = EqualsIgnoreCase(charset, "ISO-8859-1");
  if (!latin1 && !EqualsIgnoreCase(charset, "UTF-8")) {
    return Malformed("filename* charset must be UTF-8");
  }
  const std::string_view encoded = ext.substr(q2 + 1);
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    auto b = static_cast<unsigned char>(encoded[i]);
    if (b == '%') {
      if (i + 2 >= encoded.size()) {
        return Malformed("filename* has a truncated %-escape");
      }
      const int hi = HexValue(encoded[i + 1]);
      const int lo = HexValue(encoded[i + 2]);
      if (hi < 0 || lo < 0) return Malformed("filename* has an invalid %-escape");
      b = static_cast<unsigned char>(hi * 16 + lo);
      i += 2;
    } else if (b <= 0x20 || b >= 0x7F) {
      return Malformed("filename* must be percent-encoded");
    }
    if (latin1 && b >= 0x80) {
      out.push_back(static_cast<char>(0xC0 | (b >> 6)));
      out.push_back(static_cast<char>(0x80 | (b & 0x3F)));
    } else {
      out.push_back(static_cast<char>(b));
    }
  }
  if (!IsValidUtf8(out)) return Malformed("filename* is not valid UTF-8");
  return out;
}

Status ParseContentDisposition(std::string_view value, MultipartPartHeaders* headers) {
  std::string_view rest = value;
  const std::string_view type = ReadToken(rest);
  if (!EqualsIgnoreCase(type, "form-data")) {
    return Malformed("part Content-Disposition must be form-data");
  }
  // Form encoding first (every browser and the common clients); when that does not parse, the
  // value was written with backslash escapes (a quote inside it is `\"`), so read it that way.
  std::vector<Param> params;
  if (!ParseParams(rest, Quoting::kWhatwg, &params)) {
    params.clear();
    if (!ParseParams(rest, Quoting::kBackslashEscapes, &params)) {
      return Malformed("malformed Content-Disposition parameters");
    }
  }
  const Param* name = nullptr;
  const Param* filename = nullptr;
  const Param* filename_ext = nullptr;
  for (const Param& p : params) {
    const Param** slot = p.name == "name"        ? &name
                         : p.name == "filename"  ? &filename
                         : p.name == "filename*" ? &filename_ext
                                                 : nullptr;
    if (slot == nullptr) continue;
    // Two values for one parameter could be read differently by a proxy in front; refuse both.
    if (*slot != nullptr) return Malformed("duplicate " + p.name + " in Content-Disposition");
    *slot = &p;
  }
  if (name == nullptr) return Malformed("part has no name in its Content-Disposition header");
  headers->name = name->value;
  if (filename_ext != nullptr) {
    FILESD_ASSIGN_OR_RETURN(std::string decoded, DecodeExtValue(filename_ext->value));
    headers->filename = std::move(decoded);
  } else if (filename != nullptr) {
    headers->filename = filename->value;
  }
  return Status::Ok();
}

// `block` is the part's header lines joined by CRLF, without the final empty line.
Status ParsePartHeaders(std::string_view block, MultipartPartHeaders* headers) {
  struct Field {
    std::string_view name;
    std::string value;
  };
  std::vector<Field> fields;
  while (!block.empty()) {
    size_t eol = block.find(kCrlf);
    std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + kCrlf.size());
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
      return Malformed("part header contains a bare CR, LF or NUL");
    }
    if (!line.empty() && IsOws(line.front())) {
      // Obsolete line folding (RFC 5322): unfolded into the previous field.
      if (fields.empty()) return Malformed("part header starts with a continuation line");
      fields.back().value.push_back(' ');
      fields.back().value.append(TrimOws(line));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Malformed("part header line has no ':'");
    const std::string_view name = TrimOws(line.substr(0, colon));
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Malformed("part header has an invalid field name");
    }
    fields.push_back({name, std::string(TrimOws(line.substr(colon + 1)))});
  }
  bool have_disposition = false;
  bool have_type = false;
  for (const Field& f : fields) {
    // Trailing whitespace may have been unfolded in; values are compared trimmed.
    const std::string_view value = TrimOws(f.value);
    if (EqualsIgnoreCase(f.name, "Content-Disposition")) {
      if (have_disposition) return Malformed("part has two Content-Disposition headers");
      have_disposition = true;
      FILESD_RETURN_IF_ERROR(ParseContentDisposition(value, headers));
    } else if (EqualsIgnoreCase(f.name, "Content-Type")) {
      if (have_type) return Malformed("part has two Content-Type headers");
      have_type = true;
      headers->content_type = std::string(value);
    }
  }
  if (!have_disposition) return Malformed("part has no Content-Disposition header");
  return Status::Ok();
}

#if defined(__SSE2__)
// Bit i set when the window at p + i may be a delimiter of `d` bytes ending in `last_byte`.
inline uint32_t CandidateMask16(const char* p, size_t d, __m128i cr, __m128i lf, __m128i last) {
  const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i second = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
  const __m128i tail = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + d - 1));
  const __m128i hits =
      _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(first, cr), _mm_cmpeq_epi8(second, lf)),
                    _mm_cmpeq_epi8(tail, last));
  return static_cast<uint32_t>(_mm_movemask_epi8(hits));
}

inline uint32_t CandidateMask32(const char* p, size_t d, char last_byte) {
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i last = _mm_set1_epi8(last_byte);
  return CandidateMask16(p, d, cr, lf, last) | (CandidateMask16(p + 16, d, cr, lf, last) << 16);
}
#else
// Portable version (GCC/Clang vector extensions; NEON on ARM).
inline uint32_t CandidateMask32(const char* p, size_t d, char last_byte) {
  using Bytes16 = uint8_t __attribute__((vector_size(16)));
  uint32_t mask = 0;
  for (int half = 0; half < 2; ++half) {
    Bytes16 first;
    Bytes16 second;
    Bytes16 tail;
    std::memcpy(&first, p + half * 16, 16);
    std::memcpy(&second, p + half * 16 + 1, 16);
    std::memcpy(&tail, p + half * 16 + d - 1, 16);
    const auto hits =
        (first == '\r') & (second == '\n') & (tail == static_cast<uint8_t>(last_byte));
    uint64_t words[2];
    static_assert(sizeof(hits) == sizeof(words));
    std::memcpy(words, &hits, sizeof(words));
    if ((words[0] | words[1]) == 0) continue;  // the common case: no candidate at all
    for (int i = 0; i < 16; ++i) {
      if (hits[i] != 0) mask |= uint32_t{1} << (half * 16 + i);
    }
  }
  return mask;
}
#endif

// Finds the first position in [p, end) where `delim` starts, or where a proper prefix of it runs to
// `end`. Returns that position (`*full` tells which case), or nullptr.
//
// `delim` is "\r\n--boundary": its only '\r' is at index 0 and its last byte is a boundary
// character, never '\r'. Windows are filtered 32 at a time by three byte tests (first byte '\r',
// second '\n', last byte the boundary's last); only surviving windows are memcmp'd. Unlike a
// memchr('\r') loop, this keeps its speed on inputs full of CRs or CRLFs, which a client may send.
const char* FindDelimiter(const char* p, const char* end, std::string_view delim, bool* full) {
  const size_t d = delim.size();
  *full = true;
  constexpr size_t kBlock = 32;
  if (static_cast<size_t>(end - p) >= d - 1 + kBlock) {
    const char* const last_block = end - (d - 1) - kBlock;
    const char last_byte = delim.back();
    for (; p <= last_block; p += kBlock) {
      uint32_t bits = CandidateMask32(p, d, last_byte);
      while (bits != 0) {
        const char* q = p + std::countr_zero(bits);
        if (std::memcmp(q, delim.data(), d) == 0) return q;
        bits &= bits - 1;
      }
    }
  }
  // The last few windows, which may run off the end (then a prefix match is held back).
  while (true) {
    p = static_cast<const char*>(std::memchr(p, '\r', static_cast<size_t>(end - p)));
    if (p == nullptr) return nullptr;
    const auto avail = static_cast<size_t>(end - p);
    if (avail >= d) {
      if (std::memcmp(p, delim.data(), d) == 0) return p;
    } else if (std::memcmp(p, delim.data(), avail) == 0) {
      *full = false;
      return p;
    }
    ++p;
  }
}

}  // namespace

MultipartParser::MultipartParser(std::string boundary, MultipartHandler* handler,
                                 MultipartLimits limits)
    : delimiter_("\r\n--" + boundary),
      handler_(handler),
      limits_(limits),
      state_(State::kPreamble),
      carry_(kCrlf) {
  FILESD_CHECK(handler_ != nullptr);
  FILESD_CHECK(!boundary.empty() && boundary.size() <= 70);
  // The delimiter search relies on '\r' occurring only at the delimiter's first byte.
  FILESD_CHECK(boundary.find('\r') == std::string::npos);
}

bool MultipartParser::done() const { return state_ == State::kEpilogue; }

Status MultipartParser::Fail(Status status) {
  error_ = std::move(status);
  state_ = State::kError;
  carry_.clear();
  carry_.shrink_to_fit();
  header_block_.clear();
  header_block_.shrink_to_fit();
  return error_;
}

Status MultipartParser::Feed(std::string_view data) {
  while (!data.empty()) {
    Status status;
    switch (state_) {
      case State::kPreamble:
      case State::kBody:
        status = ScanForDelimiter(data);
        break;
      case State::kAfterDelimiter:
      case State::kCloseDash:
      case State::kPadding:
      case State::kPaddingCr:
        status = ConsumeDelimiterSuffix(data);
        break;
      case State::kHeaders:
        status = ConsumeHeaders(data);
        break;
      case State::kEpilogue:
        return Status::Ok();
      case State::kError:
        return error_;
    }
    if (!status.ok()) return Fail(std::move(status));
  }
  return state_ == State::kError ? error_ : Status::Ok();
}

Status MultipartParser::Finish() {
  if (state_ == State::kError) return error_;
  if (state_ == State::kEpilogue) return Status::Ok();
  return Fail(InvalidArgument("multipart body ended before the closing boundary"));
}

Status MultipartParser::EmitData(std::string_view data) {
  if (state_ != State::kBody || data.empty()) return Status::Ok();  // preamble bytes are dropped
  return handler_->OnPartData(data);
}

Status MultipartParser::EndOfDelimiter() {
  const bool in_part = state_ == State::kBody;
  state_ = State::kAfterDelimiter;
  if (in_part) return handler_->OnPartEnd();
  return Status::Ok();
}

// The hot path: body bytes go to the handler as views into `data`; only a tail that may begin a
// delimiter is copied (into carry_). Delimiter matches cannot overlap (the only '\r' is at index
// 0), so a held-back tail that fails to extend into a delimiter is plain data, with no need to
// rescan it.
Status MultipartParser::ScanForDelimiter(std::string_view& data) {
  const size_t delim_size = delimiter_.size();
  if (!carry_.empty()) {
    const size_t have = carry_.size();
    const size_t take = std::min(delim_size - have, data.size());
    if (std::memcmp(data.data(), delimiter_.data() + have, take) == 0) {
      if (have + take < delim_size) {
        carry_.append(data.data(), take);
        data.remove_prefix(take);
        return Status::Ok();
      }
      carry_.clear();
      data.remove_prefix(take);
      return EndOfDelimiter();
    }
    Status status = EmitData(carry_);
    carry_.clear();
    FILESD_RETURN_IF_ERROR(status);
  }
  const char* const begin = data.data();
  bool full = false;
  const char* at = FindDelimiter(begin, begin + data.size(), delimiter_, &full);
  if (at == nullptr) {
    const std::string_view all = data;
    data = {};
    return EmitData(all);
  }
  const auto before = static_cast<size_t>(at - begin);
  FILESD_RETURN_IF_ERROR(EmitData(data.substr(0, before)));
  if (!full) {
    carry_.assign(data.substr(before));
    data = {};
    return Status::Ok();
  }
  data.remove_prefix(before + delim_size);
  return EndOfDelimiter();
}

Status MultipartParser::ConsumeDelimiterSuffix(std::string_view& data) {
  static constexpr std::string_view kBadSuffix =
      "a boundary line must end with CRLF, or with \"--\" for the last one";
  while (!data.empty()) {
    const char c = data.front();
    data.remove_prefix(1);
    switch (state_) {
      case State::kAfterDelimiter:
        if (c == '-') {
          state_ = State::kCloseDash;
        } else if (IsOws(c)) {
          state_ = State::kPadding;
        } else if (c == '\r') {
          state_ = State::kPaddingCr;
        } else {
          return Malformed(kBadSuffix);
        }
        break;
      case State::kCloseDash:
        if (c != '-') return Malformed(kBadSuffix);
        state_ = State::kEpilogue;
        data = {};  // the epilogue is ignored
        return Status::Ok();
      case State::kPadding:
        if (c == '\r') {
          state_ = State::kPaddingCr;
        } else if (!IsOws(c)) {
          return Malformed(kBadSuffix);
        }
        break;
      case State::kPaddingCr:
        if (c != '\n') return Malformed(kBadSuffix);
        if (parts_ >= limits_.max_parts) {
          return Malformed("more than " + std::to_string(limits_.max_parts) + " parts");
        }
        ++parts_;
        header_block_.assign(kCrlf);
        state_ = State::kHeaders;
        return Status::Ok();
      default:
        return Internal("multipart parser: unexpected state");
    }
  }
  return Status::Ok();
}

Status MultipartParser::ConsumeHeaders(std::string_view& data) {
  // Saturating: a caller may pass SIZE_MAX for "no limit".
  const size_t cap = limits_.max_header_bytes > SIZE_MAX - kCrlf.size()
                         ? SIZE_MAX
                         : kCrlf.size() + limits_.max_header_bytes;
  const size_t old_size = header_block_.size();
  const size_t take = std::min(data.size(), cap - std::min(cap, old_size));
  header_block_.append(data.data(), take);
  // The terminator may straddle the previous piece; search from 3 bytes back.
  const size_t from = old_size >= kHeaderEnd.size() - 1 ? old_size - (kHeaderEnd.size() - 1) : 0;
  const size_t end = header_block_.find(kHeaderEnd, from);
  if (end == std::string::npos) {
    if (header_block_.size() >= cap) {
      return Malformed("part header too long (limit " + std::to_string(limits_.max_header_bytes) +
                       " bytes)");
    }
    data.remove_prefix(take);
    return Status::Ok();
  }
  data.remove_prefix(end + kHeaderEnd.size() - old_size);
  // The block without its leading CRLF (ours) and trailing CRLFCRLF; empty for a part without
  // headers.
  const std::string_view block =
      end < kCrlf.size() ? std::string_view()
                         : std::string_view(header_block_).substr(kCrlf.size(), end - kCrlf.size());
  current_ = MultipartPartHeaders();
  Status status = ParsePartHeaders(block, &current_);
  header_block_.clear();
  FILESD_RETURN_IF_ERROR(status);
  state_ = State::kBody;
  return handler_->OnPartBegin(current_);
}

Result<std::string> BoundaryFromContentType(std::string_view content_type) {
  std::string_view rest = content_type;
  SkipOws(rest);
  const std::string_view type = ReadToken(rest);
  std::string_view subtype;
  if (!rest.empty() && rest.front() == '/') {
    rest.remove_prefix(1);
    subtype = ReadToken(rest);
  }
  if (!EqualsIgnoreCase(type, "multipart") || !EqualsIgnoreCase(subtype, "form-data")) {
    return InvalidArgument("Content-Type must be multipart/form-data");
  }
  std::vector<Param> params;
  if (!ParseParams(rest, Quoting::kBackslashEscapes, &params)) {
    return InvalidArgument("malformed parameters in the multipart/form-data Content-Type");
  }
  const Param* boundary = nullptr;
  for (const Param& p : params) {
    if (p.name != "boundary") continue;
    if (boundary != nullptr) return InvalidArgument("Content-Type has two boundary parameters");
    boundary = &p;
  }
  if (boundary == nullptr) {
    return InvalidArgument("multipart/form-data Content-Type has no boundary parameter");
  }
  const std::string& b = boundary->value;
  if (b.empty() || b.size() > 70) {
    return InvalidArgument("multipart boundary must be 1 to 70 characters long");
  }
  if (!std::all_of(b.begin(), b.end(), IsBoundaryChar)) {
    return InvalidArgument("multipart boundary contains a character RFC 2046 does not allow");
  }
  if (b.back() == ' ') return InvalidArgument("multipart boundary must not end with a space");
  return b;
}

}  // namespace filesd
