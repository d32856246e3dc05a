// Sha256 of base/crypto.h over OpenSSL's SHA256_CTX.
//
// Why the low-level API: EVP digests have no way to export and resume their state, and the state is
// what lets an upload hashed in pieces get its digest without a second read. SHA256_CTX is a public,
// documented struct (openssl/sha.h) and SHA256_Update is the very code the EVP provider calls
// (SHA-NI included), so speed is the same (bench/sha256_update_speed.cc measures it). OpenSSL 3
// marks the API deprecated; the warning is silenced for this file only. Nothing outside this file
// sees the struct: the exported state is our own text format, read and written field by field.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

#include "base/crypto.h"

namespace filesd {
namespace {

constexpr std::string_view kStateVersion = "s1:";
constexpr size_t kBlockBytes = SHA256_CBLOCK;     // 64
constexpr uint64_t kMaxBytes = uint64_t{1} << 61;  // the bit count must fit 64 bits

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is refused too: one text per state
}

// Lowercase hex to bytes; false on odd length or any other character.
bool DecodeLowerHex(std::string_view hex, unsigned char* out) {
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]);
    const int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return true;
}

// A canonical decimal below kMaxBytes ("0", or no leading zero).
bool ParseByteCount(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');  // 19 digits cannot overflow 64 bits
  }
  if (v >= kMaxBytes) return false;
  *out = v;
  return true;
}

Status Malformed() { return Internal("stored SHA-256 state is malformed"); }

}  // namespace

struct Sha256::Impl {
  SHA256_CTX ctx;
  bool finished = false;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) { FILESD_CHECK(SHA256_Init(&impl_->ctx) == 1); }
Sha256::~Sha256() { OPENSSL_cleanse(&impl_->ctx, sizeof(impl_->ctx)); }

void Sha256::Update(std::string_view data) {
  FILESD_CHECK(!impl_->finished);
  FILESD_CHECK(SHA256_Update(&impl_->ctx, data.data(), data.size()) == 1);
}

std::string Sha256::FinishHex() {
  FILESD_CHECK(!impl_->finished);
  impl_->finished = true;
  unsigned char md[SHA256_DIGEST_LENGTH];
  FILESD_CHECK(SHA256_Final(md, &impl_->ctx) == 1);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), sizeof(md)));
}

std::string Sha256::ExportState() const {
  FILESD_CHECK(!impl_->finished);
  const SHA256_CTX& c = impl_->ctx;
  unsigned char words[32];
  for (int i = 0; i < 8; ++i) {
    for (int b = 0; b < 4; ++b) {
      words[4 * i + b] = static_cast<unsigned char>(c.h[i] >> (24 - 8 * b));
    }
  }
  const uint64_t bits = (uint64_t{c.Nh} << 32) | c.Nl;
  const uint64_t bytes = bits / 8;
  FILESD_CHECK(c.num == bytes % kBlockBytes);  // OpenSSL's invariant, which the format relies on
  std::string out(kStateVersion);
  out += HexEncode(std::string_view(reinterpret_cast<const char*>(words), sizeof(words)));
  out += ':';
  out += std::to_string(bytes);
  out += ':';
  out += HexEncode(std::string_view(reinterpret_cast<const char*>(c.data), c.num));
  return out;
}

Result<std::unique_ptr<Sha256>> Sha256::Resume(std::string_view state) {
  if (state.substr(0, kStateVersion.size()) != kStateVersion) return Malformed();
  state.remove_prefix(kStateVersion.size());
  const size_t colon1 = state.find(':');
  if (colon1 != 64) return Malformed();
  const size_t colon2 = state.find(':', colon1 + 1);
  if (colon2 == std::string_view::npos) return Malformed();
  const std::string_view words_hex = state.substr(0, colon1);
  const std::string_view count_text = state.substr(colon1 + 1, colon2 - colon1 - 1);
  const std::string_view pending_hex = state.substr(colon2 + 1);

  unsigned char words[32];
  uint64_t bytes = 0;
  unsigned char pending[kBlockBytes];
  if (!DecodeLowerHex(words_hex, words) || !ParseByteCount(count_text, &bytes) ||
      pending_hex.size() != 2 * (bytes % kBlockBytes) || !DecodeLowerHex(pending_hex, pending)) {
    return Malformed();
  }

  auto sha = std::make_unique<Sha256>();
  SHA256_CTX& c = sha->impl_->ctx;
  for (int i = 0; i < 8; ++i) {
    c.h[i] = (uint32_t{words[4 * i]} << 24) | (uint32_t{words[4 * i + 1]} << 16) |
             (uint32_t{words[4 * i + 2]} << 8) | uint32_t{words[4 * i + 3]};
  }
  const uint64_t bits = bytes * 8;
  c.Nl = static_cast<uint32_t>(bits & 0xffffffffu);
  c.Nh = static_cast<uint32_t>(bits >> 32);
  c.num = static_cast<unsigned int>(bytes % kBlockBytes);
  std::memcpy(c.data, pending, c.num);
  return sha;
}

std::string Sha256::HexOf(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.FinishHex();
}

}  // namespace filesd
