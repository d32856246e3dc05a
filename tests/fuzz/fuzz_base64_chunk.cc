// Fuzzes the streaming JSON+Base64 append-body reader: feeding the input whole, split at a point
// chosen by the input, and split with the decoded bytes consumed after each piece (as a streaming
// caller does) must agree, and the decoded size never exceeds its limit or the input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/parse/base64_chunk_reader.h"

namespace {

// With `consume`, the decoded bytes are taken after each piece and put back in front of the rest.
filesd::Result<filesd::ChunkBody> Run(std::string_view body, size_t split, size_t limit,
                                      bool consume) {
  filesd::Base64ChunkReader r(limit);
  std::string taken;
  for (std::string_view piece : {body.substr(0, split), body.substr(split)}) {
    if (auto s = r.Feed(piece); !s.ok()) return s;
    if (consume) {
      taken.append(r.decoded());
      r.ConsumeDecoded();
    }
  }
  auto out = r.Finish();
  if (out.ok()) out->data = taken + out->data;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t limit = 1 + data[0] * 16;
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  const size_t split = body.empty() ? 0 : data[1] % (body.size() + 1);
  auto whole = Run(body, body.size(), limit, false);
  for (bool consume : {false, true}) {
    auto parts = Run(body, split, limit, consume);
    if (whole.ok() != parts.ok()) std::abort();
    if (whole.ok()) {
      if (whole->data != parts->data || whole->offset != parts->offset) std::abort();
      if (whole->data.size() > limit || whole->data.size() > body.size()) std::abort();
    } else if (whole.status().code() != parts.status().code()) {
      std::abort();
    }
  }
  return 0;
}
