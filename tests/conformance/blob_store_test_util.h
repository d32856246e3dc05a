// Helpers for the BlobStore tests (conformance suite and unit tests): deterministic content, writing
// a whole blob, reading one back while checking the ReadAt contract.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "blob/blob_store.h"

namespace filesd::conformance {

// Deterministic pseudo-random bytes.
inline std::string RandomContent(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>(v >> (8 * j));
  }
  return out;
}

// Writes `content` under `key` in appends of `chunk` bytes and commits.
inline Result<BlobInfo> WriteBlob(BlobStore& store, const std::string& key,
                                  std::string_view content, size_t chunk = 1000) {
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, store.NewWriter(key));
  for (size_t off = 0; off < content.size(); off += chunk) {
    FILESD_RETURN_IF_ERROR(writer->Append(content.substr(off, chunk)));
  }
  return writer->Commit();
}

// Reads the whole of `reader` sequentially, checking the contract of ReadAt on the way.
inline Result<std::string> ReadAllFrom(BlobReader& reader, size_t buffer_bytes = 64 << 10) {
  std::string out;
  std::string buf(buffer_bytes, '\0');
  while (true) {
    FILESD_ASSIGN_OR_RETURN(size_t n, reader.ReadAt(out.size(), std::span<char>(buf)));
    if (n == 0) break;
    if (n > buf.size()) return Internal("ReadAt returned more than asked");
    out.append(buf.data(), n);
    if (out.size() > reader.size_bytes()) return Internal("read past size_bytes()");
  }
  if (out.size() != reader.size_bytes()) return Internal("ReadAt returned 0 before the end");
  return out;
}

inline Result<std::string> ReadAll(BlobStore& store, const std::string& key) {
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, store.NewReader(key));
  return ReadAllFrom(*reader);
}

}  // namespace filesd::conformance
