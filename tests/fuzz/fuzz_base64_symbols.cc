// Fuzzes the Base64 group decoder: the vector path (where the CPU has it) and the table path must
// decode the same number of groups to the same bytes, never beyond the limit or the room given.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/parse/base64_symbols.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t limit = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string fast(limit * 3, '\0'), slow(limit * 3, '\0');
  const size_t a = filesd::DecodeBase64Groups(in, limit, fast.data());
  const size_t b = filesd::DecodeBase64GroupsScalar(in, limit, slow.data());
  if (a != b || a > limit || a > in.size() / 4) std::abort();
  if (fast.compare(0, a * 3, slow, 0, a * 3) != 0) std::abort();
  return 0;
}
