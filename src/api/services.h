// The services a handler may use, wired once by the composition root (main.cc). Handlers see only
// these interfaces, never concrete stores.
#pragma once

#include <cstdint>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "meta/metadata_store.h"

namespace filesd {

class Authenticator;
class Metrics;
class FileAnalyzer;

struct ApiOptions {
  uint64_t max_file_bytes = 8ull << 30;   // largest file content accepted
  // Multipart framing allowed on top of max_file_bytes before a Content-Length is refused up front.
  uint64_t multipart_overhead_bytes = 1 << 20;
};

struct Services {
  BlobStore* blobs = nullptr;
  MetadataStore* meta = nullptr;
  Authenticator* auth = nullptr;
  Clock* clock = nullptr;
  Metrics* metrics = nullptr;
  FileAnalyzer* analyzer = nullptr;
  ApiOptions options;
};

}  // namespace filesd
