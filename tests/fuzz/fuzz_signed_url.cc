// libFuzzer target for the signed upload URL verifier (upload/hmac_url_signer.h), the one function
// that decides whether a PUT without an API key may write a file.
//
// Input layout: bytes 0..7 are `now` (little-endian, masked to 62 bits), byte 8 picks the mode, the
// rest is the payload.
//  * mode even: the payload is a request target given to Verify(). Whatever it is, an accepted
//    target grants a signable grant that has not expired, and signing that grant again gives a
//    target that verifies to the same grant.
//  * mode odd: the payload describes a grant (a size, a content type, an extension) and a mutation
//    (a position and a byte). The signed target must verify to exactly that grant until it expires;
//    the mutated target must be refused or verify to the very same grant (a different spelling of
//    the same bytes, such as a lower-case percent escape) - never to another grant.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "upload/hmac_url_signer.h"

namespace {

const filesd::HmacUrlSigner& Signer() {
  static const auto* signer = filesd::HmacUrlSigner::Create(std::string(32, 'k')).value().release();
  return *signer;
}

uint64_t Le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void CheckAccepted(const filesd::UploadGrant& g, int64_t now) {
  FUZZ_CHECK(filesd::IsSignableGrant(g));
  FUZZ_CHECK(now <= g.expires_at);
  auto again = Signer().Verify(Signer().SignedTarget(g), now);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == g);
}

void FuzzTarget(std::string_view target, int64_t now) {
  auto r = Signer().Verify(target, now);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == filesd::StatusCode::kPermissionDenied);
    return;
  }
  CheckAccepted(*r, now);
}

void FuzzRoundTrip(std::string_view payload, int64_t now) {
  if (payload.size() < 12) return;
  const auto* p = reinterpret_cast<const uint8_t*>(payload.data());
  filesd::UploadGrant g;
  g.project_id = "0b8f6a0e-3d0c-4f59-9f52-1c6a7b0d9e11";
  g.file_id = "550e8400-e29b-41d4-a716-446655440000";
  g.expires_at = now + (p[0] & 0x7f);
  if (p[1] & 1) g.size_bytes = Le64(p + 2) >> (p[1] >> 2);
  const size_t mutate_at = static_cast<size_t>(p[10]) | (static_cast<size_t>(p[11]) << 8);
  const uint8_t mutate_to = static_cast<uint8_t>(p[1] ^ p[10]);
  std::string_view rest = payload.substr(12);
  const size_t split = rest.find('\n');
  g.storage_path = filesd::StoragePathFor(g.file_id, rest.substr(0, split));
  if (split != std::string_view::npos) {
    const std::string type(rest.substr(split + 1));
    if (!filesd::IsBindableContentType(type)) return;
    g.content_type = type;
  }
  if (!filesd::IsSignableGrant(g)) {
    FUZZ_CHECK(g.size_bytes && *g.size_bytes > static_cast<uint64_t>(INT64_MAX));
    return;
  }
  const std::string target = Signer().SignedTarget(g);
  auto back = Signer().Verify(target, now);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(*back == g);
  auto late = Signer().Verify(target, g.expires_at + 1);
  FUZZ_CHECK(!late.ok() && late.status().reason() == filesd::kReasonUrlExpired);

  std::string mutated = target;
  mutated[mutate_at % mutated.size()] = static_cast<char>(mutate_to);
  auto m = Signer().Verify(mutated, now);
  if (m.ok()) FUZZ_CHECK(*m == g);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  const int64_t now = static_cast<int64_t>(Le64(data) & ((uint64_t{1} << 62) - 1));
  const std::string_view payload(reinterpret_cast<const char*>(data + 9), size - 9);
  if (data[8] % 2 == 0) {
    FuzzTarget(payload, now);
  } else {
    FuzzRoundTrip(payload, now);
  }
  return 0;
}
