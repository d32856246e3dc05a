// UploadDeps: what every upload flow (src/upload) needs from the rest of the server, wired once by the
// composition root. Plain pointers to interfaces owned elsewhere (they outlive every flow object);
// no HTTP, no concrete store. Copying an UploadDeps copies the pointers, never the services.
#pragma once

#include <cstdint>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "meta/metadata_store.h"

namespace filesd {

class FileAnalyzer;
class UrlSigner;

// The limits the flows enforce (API.md sections 3-5), from the server configuration.
struct UploadLimits {
  uint64_t max_file_bytes = 8ull << 30;    // largest file content accepted
  int64_t upload_url_ttl_seconds = 60;     // lifetime of a signed upload URL
  int64_t session_ttl_seconds = 86400;     // an upload session's file expires this long after creation
};

struct UploadDeps {
  BlobStore* blobs = nullptr;
  MetadataStore* meta = nullptr;
  Clock* clock = nullptr;
  FileAnalyzer* analyzer = nullptr;   // called once a file's content is committed
  UrlSigner* url_signer = nullptr;    // signs and verifies the pre-signed flow's upload URLs
  UploadLimits limits;
};

}  // namespace filesd
