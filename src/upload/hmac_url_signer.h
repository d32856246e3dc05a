// HmacUrlSigner: the UrlSigner of the built-in blob store. The signature is HMAC-SHA256, keyed with
// the server secret (signing_secret.h), over a canonical string of every field of the grant, and
// travels as unpadded base64url in the `sig` parameter.
//
// Canonical string: the line "filesd-upload-url-v1", then one line per field in a fixed order
// (project, file, path, expires, size, type), each "<name>=<byte length>:<value>" when present and
// "<name>!" when absent. Length prefixes make the encoding injective, so no two different grants
// share a canonical string (a bound empty type differs from no type; no value can spill into the
// next field). The canonical string is built from the decoded values, so equivalent percent
// encodings of the same type verify alike.
//
// Depends on base/ only, so the libFuzzer build (tests/fuzz/fuzz_signed_url.cc) links it alone.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/crypto.h"
#include "upload/url_signer.h"

namespace filesd {

class HmacUrlSigner final : public UrlSigner {
 public:
  // The least key length accepted: 32 bytes, the output size of SHA-256.
  static constexpr size_t kMinKeyBytes = 32;

  // How the signature of a URL is compared with the expected one. Must take time that depends only
  // on the lengths of its arguments. Replaceable only so tests can observe the comparison.
  using SecretEquals = bool (*)(std::string_view, std::string_view);

  // The comparison used unless a test replaces it.
  static constexpr SecretEquals kDefaultEquals = &ConstantTimeEquals;

  // kInvalidArgument if `key` is shorter than kMinKeyBytes.
  static Result<std::unique_ptr<HmacUrlSigner>> Create(std::string key,
                                                       SecretEquals equals = kDefaultEquals);

  std::string SignedTarget(const UploadGrant& grant) const override;
  Result<UploadGrant> Verify(std::string_view target, int64_t now) const override;

  // The canonical string of `grant` (see above). Exposed for tests.
  static std::string CanonicalString(const UploadGrant& grant);

 private:
  HmacUrlSigner(std::string key, SecretEquals equals) : key_(std::move(key)), equals_(equals) {}
  std::string Signature(const UploadGrant& grant) const;

  const std::string key_;
  const SecretEquals equals_;
};

}  // namespace filesd
