// Sha256::Update (OpenSSL's SHA256_CTX, which base/sha256.cc uses for its exportable state) against
// EVP_DigestUpdate (what filesd used before): the same bytes through each, alternating, best of 5.
// Prints both rates and their ratio; ~1.00 means the exportable state cost no hashing speed.
//
//   g++ -std=c++20 -O2 -Isrc -o /tmp/sha256_update_speed bench/sha256_update_speed.cc \
//       src/base/sha256.cc src/base/crypto.cc src/base/status.cc -lcrypto
//   flock /tmp/filesd-cpu.lock /tmp/sha256_update_speed [MiB]
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/crypto.h"

namespace {

using Clock = std::chrono::steady_clock;

double SecondsEvp(const std::string& buf, int rounds, std::string* digest) {
  const auto t0 = Clock::now();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (int i = 0; i < rounds; ++i) EVP_DigestUpdate(ctx, buf.data(), buf.size());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  *digest = filesd::HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double SecondsFilesd(const std::string& buf, int rounds, std::string* digest) {
  const auto t0 = Clock::now();
  filesd::Sha256 sha;
  for (int i = 0; i < rounds; ++i) sha.Update(buf);
  *digest = sha.FinishHex();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int mib = argc > 1 ? std::atoi(argv[1]) : 256;
  const std::string buf(1 << 20, 'x');
  double evp = 1e9;
  double ours = 1e9;
  std::string d1;
  std::string d2;
  for (int trial = 0; trial < 5; ++trial) {
    evp = std::min(evp, SecondsEvp(buf, mib, &d1));
    ours = std::min(ours, SecondsFilesd(buf, mib, &d2));
  }
  if (d1 != d2) {
    std::fprintf(stderr, "digests differ\n");
    return 1;
  }
  std::printf("EVP_DigestUpdate      %8.0f MiB/s\n", mib / evp);
  std::printf("Sha256::Update (ctx)  %8.0f MiB/s\n", mib / ours);
  std::printf("ratio ours/EVP        %8.3f\n", evp / ours);
  return 0;
}
