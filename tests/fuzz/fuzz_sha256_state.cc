// libFuzzer target for Sha256::Resume (base/crypto.h): the input is a candidate state text.
//
// Invariants: Resume never crashes; a state it accepts is canonical (exported again, it is the same
// text); a resumed hasher continues like any other (export after more bytes, resume, finish: the same
// digest as finishing directly).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/crypto.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view state(reinterpret_cast<const char*>(data), size);
  auto resumed = filesd::Sha256::Resume(state);
  if (!resumed.ok()) {
    FUZZ_CHECK(resumed.status().code() == filesd::StatusCode::kInternal);
    return 0;
  }
  filesd::Sha256& sha = **resumed;
  FUZZ_CHECK(sha.ExportState() == state);
  sha.Update(state.substr(0, 70));
  const std::string later = sha.ExportState();
  auto again = filesd::Sha256::Resume(later);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK((*again)->ExportState() == later);
  FUZZ_CHECK((*again)->FinishHex() == sha.FinishHex());
  return 0;
}
