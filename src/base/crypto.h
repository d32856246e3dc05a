// Small cryptographic helpers over OpenSSL: secure random bytes, UUID v4, streaming SHA-256,
// HMAC-SHA256, hex, and constant-time comparison. Every random value in filesd comes from here.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

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

// Incremental SHA-256 (OpenSSL's implementation, SHA-NI where the CPU has it). Not thread-safe; one
// per stream.
//
// Its state can leave the process and come back: ExportState() writes the state after the bytes so
// far as text, and Resume() continues from such a text, in another object, process or instance, so a
// stream hashed in pieces (an upload session's appends) yields the digest of the whole without the
// pieces being read again. The text is a defined, versioned format, independent of OpenSSL's
// structs:
//   "s1:" <64 lowercase hex: the 8 32-bit chaining words H0..H7, big-endian>
//   ":" <decimal byte count so far, no leading zeros, < 2^61>
//   ":" <lowercase hex of the (byte count mod 64) bytes not yet folded into a block>
// e.g. the state of no bytes is "s1:6a09e667bb67ae85...5be0cd19:0:". Exactly one text per state, so
// two states compare with ==. The text reveals no more than a digest would about whole blocks, but
// holds the pending tail bytes (< 64) in clear: store it as you would the content.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The lowercase hex digest. The object must not be updated or exported afterwards (checked).
  std::string FinishHex();

  // The state after every byte given to Update so far, in the format above. Does not change it.
  std::string ExportState() const;
  // A hasher continuing from `state` (an ExportState() text). kInternal if `state` is not exactly
  // such a text (another version, a damaged or truncated value): never a crash, never a wrong
  // hasher.
  static Result<std::unique_ptr<Sha256>> Resume(std::string_view state);

  static std::string HexOf(std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace filesd
