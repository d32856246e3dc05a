// Character encodings of text content (CSV, text, JSON): detection, streaming validation and
// transcoding to UTF-8, in bounded memory.
//
// Detection: a byte-order mark decides UTF-8 (reported "utf-8-sig"), UTF-16 LE or BE ("utf-16-le",
// "utf-16-be"); without one the content is UTF-8 ("utf-8", ASCII included) when every byte sequence is
// valid UTF-8, else Latin-1 ("latin-1", every byte one character). UTF-16 is transcoded to UTF-8 on the
// fly; UTF-8 and Latin-1 are analysed as raw bytes (their delimiters, quotes and digits are ASCII in
// both), and only the kept strings and text are transcoded once the encoding is known at the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "process/byte_source.h"

namespace filesd::process {

enum class Encoding { kUtf8, kUtf8Bom, kUtf16Le, kUtf16Be, kLatin1 };

// "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "latin-1".
std::string_view EncodingName(Encoding e);

// Length of the valid UTF-8 sequence starting `s` (1 to 4), or 0 when it is invalid or truncated
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t Utf8SequenceLength(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` that does not end inside a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view s, size_t max_bytes);

// Each byte as the code point of the same value, in UTF-8.
std::string Latin1ToUtf8(std::string_view s);

// Appends the code point `cp` in UTF-8. REQUIRES: cp <= 0x10FFFF.
void AppendUtf8(std::string& out, uint32_t cp);

// Validates a UTF-8 stream fed in chunks of any size (a sequence may straddle chunks) and counts its
// code points as if it were valid (bytes that are not continuation bytes).
class Utf8Validator {
 public:
  // `count_code_points`: whether code_points() is wanted (it costs a little per byte).
  explicit Utf8Validator(bool count_code_points = false) : count_code_points_(count_code_points) {}
  void Feed(std::string_view chunk);
  // True while every complete sequence seen is valid; call Finish() first for the final answer.
  bool valid() const { return valid_; }
  // Declares the end of the stream: a sequence left incomplete makes the stream invalid.
  void Finish();
  // Code points if the stream were valid; 0 unless counting was asked for.
  uint64_t code_points() const { return code_points_; }

 private:
  bool count_code_points_;
  bool valid_ = true;
  uint64_t code_points_ = 0;
  unsigned char pending_[4] = {};
  size_t pending_len_ = 0;
  size_t pending_need_ = 0;
};

// Transcodes UTF-16 to UTF-8 in chunks of any size. Unpaired surrogates become U+FFFD.
class Utf16Decoder {
 public:
  explicit Utf16Decoder(bool big_endian) : big_endian_(big_endian) {}
  void Decode(std::string_view in, std::string& out);
  // Flushes what is left (an odd byte or a lone high surrogate become U+FFFD).
  void Finish(std::string& out);

 private:
  bool big_endian_;
  unsigned char odd_byte_ = 0;
  bool have_odd_ = false;
  uint32_t high_surrogate_ = 0;
};

// Encoding of content from its first bytes: a BOM, else kUtf8 (the caller refines to kLatin1 once it
// has seen invalid UTF-8). Sets *bom_bytes to the length of the BOM (0, 2 or 3).
Encoding DetectBom(std::string_view head, size_t* bom_bytes);

// Reads a ByteSource as text: skips the BOM, transcodes UTF-16 to UTF-8, and validates UTF-8 so that
// encoding() tells utf-8 from latin-1 at the end. Chunks are at most about chunk_bytes (twice that for
// UTF-16, whose BMP characters may take 3 bytes in UTF-8).
class TextReader {
 public:
  TextReader(ByteSource& src, size_t chunk_bytes);
  // The next chunk of bytes to analyse (UTF-8 for UTF-16 input, else raw); empty at the end.
  // kInternal on an I/O error.
  Result<std::string_view> Next();
  // The encoding; final once Next() returned an empty chunk.
  Encoding encoding() const;
  // True when the raw bytes are Latin-1 (not valid UTF-8), once the end is reached.
  bool is_latin1() const { return encoding() == Encoding::kLatin1; }

 private:
  ChunkReader reader_;
  Encoding bom_encoding_ = Encoding::kUtf8;
  bool started_ = false;
  bool done_ = false;
  Utf8Validator validator_;
  Utf16Decoder utf16_{false};
  std::string decoded_;
};

// Keeps the first bytes of a stream fed in chunks, up to a cap, as the text of section 7.
class TextCapture {
 public:
  explicit TextCapture(uint64_t max_bytes) : max_bytes_(max_bytes) {}
  void Feed(std::string_view chunk) {
    if (raw_.size() < max_bytes_) raw_.append(chunk.substr(0, max_bytes_ - raw_.size()));
  }
  bool full() const { return raw_.size() >= max_bytes_; }
  // The kept text as valid UTF-8 of at most max_bytes (Latin-1 input is transcoded first).
  std::string Finish(bool latin1);

 private:
  uint64_t max_bytes_;
  std::string raw_;
};

// Makes `s` valid UTF-8 by replacing each invalid byte with U+FFFD.
std::string SanitizeUtf8(std::string_view s);

}  // namespace filesd::process
