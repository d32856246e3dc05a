// Fuzzes the streaming JSON scanner (the analyser of JSON documents): any input ends in a result or a
// clean error, never deeper than its limit, and feeding the bytes in two pieces changes nothing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "process/json_scanner.h"

namespace {

std::string Describe(const filesd::process::JsonScanner& s) {
  std::string out = s.status().ToString() + "|" + std::string(s.root_type()) + "|" +
                    std::to_string(s.depth()) + "|" + std::to_string(s.length()) + "|" +
                    std::to_string(s.key_count()) + "|" + (s.found_second_value() ? "2" : "1");
  for (const std::string& k : s.keys()) out += "|" + k;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr int kMaxDepth = 32;
  filesd::process::JsonScanner whole(kMaxDepth);
  whole.Feed(in);
  whole.Finish();
  if (whole.depth() > kMaxDepth) std::abort();
  if (whole.keys().size() > filesd::process::kJsonMaxKeptKeys) std::abort();
  const size_t cut = size == 0 ? 0 : (size_t{data[0]} * 131 + size) % (size + 1);
  filesd::process::JsonScanner pieces(kMaxDepth);
  pieces.Feed(in.substr(0, cut));
  pieces.Feed(in.substr(cut));
  pieces.Finish();
  if (Describe(whole) != Describe(pieces)) std::abort();
  return 0;
}
