// libFuzzer target for BoundaryFromContentType() and MultipartParser.
//
// Input layout: byte 0 picks a split point, byte 1 a chunk size; the rest up to the first '\n' is a
// Content-Type value (its boundary is used when valid, else "XyZ"), and everything after it is the
// body. The body is parsed three ways (whole, in two pieces, in small chunks) and the three reports
// must be identical; the handler checks the callback protocol as it goes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "api/parse/multipart_parser.h"

namespace {

constexpr filesd::MultipartLimits kLimits{/*max_header_bytes=*/200, /*max_parts=*/6};

bool IsBoundaryChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// Records a transcript of the callbacks that does not depend on how the data was chunked, and
// checks their protocol. Parts named "stop" fail OnPartBegin; parts named "limit" fail OnPartData
// once they pass 8 bytes (like a size limit), so callback errors are fuzzed too.
class CheckingHandler : public filesd::MultipartHandler {
 public:
  static constexpr size_t kLimitBytes = 8;

  CheckingHandler(size_t body_size, size_t delimiter_size)
      : body_size_(body_size), delimiter_size_(delimiter_size) {}

  filesd::Status OnPartBegin(const filesd::MultipartPartHeaders& h) override {
    FUZZ_CHECK(!in_part_);
    in_part_ = true;
    ++begins_;
    FUZZ_CHECK(static_cast<size_t>(begins_) <= kLimits.max_parts);
    // Every header value came out of one header block.
    FUZZ_CHECK(h.name.size() + h.content_type.size() <= kLimits.max_header_bytes);
    FUZZ_CHECK(!h.filename || h.filename->size() <= kLimits.max_header_bytes);
    transcript_ += "B[" + h.name + "][" + (h.filename ? "f:" + *h.filename : "-") + "][" +
                   h.content_type + "]";
    last_was_data_ = false;
    limited_ = h.name == "limit";
    part_bytes_ = 0;
    if (h.name == "stop") return filesd::Conflict("stop requested", "fuzz_stop");
    return filesd::Status::Ok();
  }

  filesd::Status OnPartData(std::string_view data) override {
    FUZZ_CHECK(in_part_);
    FUZZ_CHECK(!data.empty());
    total_bytes_ += data.size();
    FUZZ_CHECK(total_bytes_ <= body_size_);
    if (!piece_.empty()) {
      // Bytes not pointing into the piece being fed were copied: only a held-back tail may be.
      const bool inside = data.data() >= piece_.data() &&
                          data.data() + data.size() <= piece_.data() + piece_.size();
      FUZZ_CHECK(inside || data.size() < delimiter_size_);
    }
    if (!last_was_data_) transcript_ += "D";
    last_was_data_ = true;
    if (limited_ && part_bytes_ + data.size() > kLimitBytes) {
      transcript_ += data.substr(0, kLimitBytes - part_bytes_);
      return filesd::PayloadTooLarge("part over its limit", "fuzz_limit");
    }
    part_bytes_ += data.size();
    transcript_ += data;
    return filesd::Status::Ok();
  }

  filesd::Status OnPartEnd() override {
    FUZZ_CHECK(in_part_);
    in_part_ = false;
    ++ends_;
    transcript_ += "E";
    last_was_data_ = false;
    return filesd::Status::Ok();
  }

  void set_piece(std::string_view piece) { piece_ = piece; }
  bool in_part() const { return in_part_; }
  int begins() const { return begins_; }
  int ends() const { return ends_; }
  const std::string& transcript() const { return transcript_; }

 private:
  size_t body_size_;
  size_t delimiter_size_;
  std::string_view piece_;
  std::string transcript_;
  bool last_was_data_ = false;
  bool limited_ = false;
  size_t part_bytes_ = 0;
  size_t total_bytes_ = 0;
  bool in_part_ = false;
  int begins_ = 0;
  int ends_ = 0;
};

struct Run {
  std::string transcript;
  std::string status;
  bool done = false;
};

// Feeds `body` in two pieces cut at `split`, or in `chunk`-byte pieces when chunk != 0.
Run Parse(const std::string& boundary, std::string_view body, size_t split, size_t chunk) {
  CheckingHandler handler(body.size(), boundary.size() + 4);
  filesd::MultipartParser parser(boundary, &handler, kLimits);
  filesd::Status status;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t n = chunk != 0 ? chunk : (pos < split ? split - pos : body.size() - pos);
    n = std::min(n, body.size() - pos);
    const std::string_view piece = body.substr(pos, n);
    handler.set_piece(piece);
    status = parser.Feed(piece);
    pos += n;
    if (!status.ok()) break;
  }
  handler.set_piece({});
  if (status.ok()) status = parser.Finish();
  const bool done = parser.done();
  if (status.ok()) {
    FUZZ_CHECK(done);
    FUZZ_CHECK(!handler.in_part());
    FUZZ_CHECK(handler.begins() == handler.ends());
  } else {
    FUZZ_CHECK(!done);
    FUZZ_CHECK(handler.ends() <= handler.begins() && handler.begins() <= handler.ends() + 1);
    const bool from_parser = status.code() == filesd::StatusCode::kInvalidArgument &&
                             status.message().rfind("multipart body", 0) == 0;
    FUZZ_CHECK(from_parser || status.reason() == "fuzz_stop" || status.reason() == "fuzz_limit");
    // Errors are sticky and no callback runs after one.
    const std::string before = handler.transcript();
    FUZZ_CHECK(parser.Feed("\r\n--" + boundary + "--").message() == status.message());
    FUZZ_CHECK(parser.Finish().message() == status.message());
    FUZZ_CHECK(handler.transcript() == before);
  }
  return {handler.transcript(), status.ToString(), done};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t split_selector = data[0];
  const size_t chunk = 1 + data[1] % 16;
  std::string_view rest = input.substr(2);
  const size_t eol = rest.find('\n');
  const std::string_view content_type = rest.substr(0, eol);
  const std::string_view body =
      eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);

  std::string boundary = "XyZ";
  filesd::Result<std::string> parsed = filesd::BoundaryFromContentType(content_type);
  if (parsed.ok()) {
    const std::string& b = *parsed;
    FUZZ_CHECK(!b.empty() && b.size() <= 70);
    FUZZ_CHECK(std::all_of(b.begin(), b.end(), IsBoundaryChar));
    FUZZ_CHECK(b.back() != ' ');
    boundary = b;
  } else {
    FUZZ_CHECK(parsed.status().code() == filesd::StatusCode::kInvalidArgument);
  }

  const size_t split = body.size() * split_selector / 255;
  const Run whole = Parse(boundary, body, body.size(), 0);
  const Run two = Parse(boundary, body, split, 0);
  const Run chunked = Parse(boundary, body, 0, chunk);
  FUZZ_CHECK(whole.status == two.status);
  FUZZ_CHECK(whole.status == chunked.status);
  FUZZ_CHECK(whole.done == two.done && whole.done == chunked.done);
  FUZZ_CHECK(whole.transcript == two.transcript);
  FUZZ_CHECK(whole.transcript == chunked.transcript);
  return 0;
}
