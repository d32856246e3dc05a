// An incremental reader for the body of an upload-session append (API.md section 5):
//   {"data": "<base64>", "offset": N}
// It is fed the body in pieces of any size and decodes the Base64 as it arrives, so the server
// holds only the decoded chunk (bounded by `max_decoded_bytes`), never the JSON text of it too.
//
// Accepted: one JSON object; keys in any order; "data" (required, a string of standard Base64,
// padding optional at the very end, whitespace (raw or as JSON escapes \n \r \t) ignored, "\/" and
// \u00XX escapes of Base64 characters allowed) and "offset" (optional, a non-negative integer);
// other keys are skipped whatever their value (nesting up to 32 levels). Anything else is
// kInvalidArgument with a message naming the problem; more than `max_decoded_bytes` decoded bytes
// is kPayloadTooLarge, reported as soon as it is exceeded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace filesd {

struct ChunkBody {
  std::string data;               // decoded bytes
  std::optional<uint64_t> offset; // the client's expected current size, if given
};

class Base64ChunkReader {
 public:
  explicit Base64ChunkReader(size_t max_decoded_bytes);

  // Consumes the next piece of the body. After an error, every call returns the same error.
  Status Feed(std::string_view piece);
  // The bytes decoded and not consumed yet; valid until the next call of any other method.
  std::string_view decoded() const { return out_.data; }
  // Forgets decoded() (the caller has stored it), so that a caller streaming the chunk holds only
  // what one Feed() decodes. The bytes still count against `max_decoded_bytes`.
  void ConsumeDecoded();
  // Declares the end of the body; returns the offset and the decoded bytes not consumed yet.
  // REQUIRES: called once.
  Result<ChunkBody> Finish();

 private:
  enum class State {
    kBeforeObject, kBeforeKey, kInKey, kKeyEscape, kAfterKey, kBeforeValue, kInData, kDataEscape,
    kDataUnicode, kInOffset, kSkipValue, kAfterValue, kAfterObject,
  };

  Status Fail(Status s);
  Status DecodeSymbol(char c);
  Status FlushQuantum(bool final);
  Status BeginValue(char c);
  Status StepSkip(char c);

  // Decoded bytes so far, consumed or not.
  size_t decoded_size() const { return consumed_ + out_.data.size(); }

  size_t max_decoded_bytes_;
  size_t consumed_ = 0;
  State state_ = State::kBeforeObject;
  Status error_;
  ChunkBody out_;
  bool saw_data_ = false;
  bool saw_offset_ = false;
  bool data_padding_ = false;   // '=' seen: only '=' and whitespace may follow
  std::string key_;
  std::string current_key_;
  std::string offset_digits_;
  std::string unicode_digits_;
  uint32_t quantum_ = 0;        // up to four 6-bit symbols
  int quantum_len_ = 0;
  int padding_count_ = 0;
  // Skipping an unknown value: a stack of open containers ('{' or '['), and string state.
  std::vector<char> skip_stack_;
  bool skip_in_string_ = false;
  bool skip_escape_ = false;
  bool skip_scalar_ = false;
};

}  // namespace filesd
