// Small cryptographic helpers over OpenSSL: secure random bytes, UUID v4, streaming SHA-256,
// HMAC-SHA256, hex, and constant-time comparison. Every random value in filesd comes from here.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace filesd {

// `n` bytes from the OS CSPRNG (OpenSSL RAND_bytes). Aborts if the CSPRNG fails: nothing is safe then.
std::string RandomBytes(size_t n);

// A fresh random UUID v4 in canonical lowercase form (36 chars).
std::string NewUuidV4();

// True when `s` is a canonical UUID (8-4-4-4-12 hex digits, either case). Ids that fail this are 404
// without touching a store.
bool IsUuid(std::string_view s);

std::string HexEncode(std::string_view bytes);
// Unpadded base64url (RFC 4648 section 5), for tokens that travel in URLs and headers.
std::string Base64UrlEncode(std::string_view bytes);

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Incremental SHA-256. Not thread-safe; one per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The lowercase hex digest. The object must not be updated afterwards.
  std::string FinishHex();

  static std::string HexOf(std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace filesd
