// An incremental multipart/form-data parser (RFC 7578 over RFC 2046). It is fed the body in
// arbitrary pieces and reports parts through callbacks, never holding more than one part's headers
// and a boundary's worth of body bytes, so a file part of any size streams through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace filesd {

// Headers of one part, as far as form-data uses them.
struct MultipartPartHeaders {
  std::string name;                     // Content-Disposition name="..."
  std::optional<std::string> filename;  // Content-Disposition filename="..." or filename*=UTF-8''...
  std::string content_type;             // empty when the part has none
};

// Receives the parse. A callback returning a non-OK Status stops the parse; Feed() returns it.
class MultipartHandler {
 public:
  virtual ~MultipartHandler() = default;
  virtual Status OnPartBegin(const MultipartPartHeaders& headers) = 0;
  // Body bytes of the current part, in order, in pieces of any size (possibly many small ones).
  virtual Status OnPartData(std::string_view data) = 0;
  virtual Status OnPartEnd() = 0;
};

struct MultipartLimits {
  size_t max_header_bytes = 16 * 1024;  // all header lines of one part
  size_t max_parts = 64;
};

class MultipartParser {
 public:
  // `boundary` comes from BoundaryFromContentType(). REQUIRES: 1..70 bytes.
  MultipartParser(std::string boundary, MultipartHandler* handler, MultipartLimits limits = {});

  // Consumes the next piece of the body. Errors: kInvalidArgument with a message saying what is
  // malformed (e.g. "multipart body: part header too long"), or whatever a callback returned. After
  // an error, further calls return the same error.
  Status Feed(std::string_view data);
  // Declares the end of the body. kInvalidArgument unless the closing delimiter was seen
  // ("multipart body ended before the closing boundary").
  Status Finish();
  // True once the closing delimiter ("--boundary--") has been parsed; anything after it (the
  // epilogue) is ignored.
  bool done() const;

 private:
  // The states are defined in multipart_parser.cc (an opaque enum is a complete type).
  enum class State : uint8_t;

  Status ScanForDelimiter(std::string_view& data);
  Status ConsumeDelimiterSuffix(std::string_view& data);
  Status ConsumeHeaders(std::string_view& data);
  Status EmitData(std::string_view data);
  Status EndOfDelimiter();
  Status Fail(Status status);

  std::string delimiter_;  // "\r\n--" + boundary; '\r' occurs only at index 0
  MultipartHandler* handler_;
  MultipartLimits limits_;
  State state_;
  // Preamble/body bytes held back because they are a proper prefix of delimiter_ (so always shorter
  // than it); in the preamble it starts as "\r\n" so a delimiter at the very start is found.
  std::string carry_;
  // The current part's header block, prefixed with the "\r\n" that ended the delimiter line so the
  // end of the block is always the first "\r\n\r\n" (also for a part without headers).
  std::string header_block_;
  MultipartPartHeaders current_;
  size_t parts_ = 0;
  Status error_;
};

// Extracts the boundary parameter from a Content-Type value such as
// `multipart/form-data; boundary="abc"`. kInvalidArgument when the type is not multipart/form-data or
// the boundary is missing, empty, longer than 70 bytes, or has characters RFC 2046 forbids.
Result<std::string> BoundaryFromContentType(std::string_view content_type);

}  // namespace filesd
