// The services a handler may use, wired once by the composition root (main.cc). Handlers see only
// these interfaces, never concrete stores.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "meta/metadata_store.h"
#include "upload/upload_deps.h"

namespace filesd {

class Authenticator;
class Metrics;
class FileAnalyzer;
class InstanceLiveness;
class UrlSigner;
class FileUploads;
class PresignedUploads;
class Sessions;

struct ApiOptions {
  uint64_t max_file_bytes = 8ull << 30;   // largest file content accepted
  // Multipart framing allowed on top of max_file_bytes before a Content-Length is refused up front.
  uint64_t multipart_overhead_bytes = 1 << 20;
  // Pre-signed flow (API.md section 4): what signed upload URLs start with ("http://host:port", no
  // trailing '/'); empty means "http://" + the request's Host header.
  std::string public_base_url;
  // Lifetime of a signed upload URL, in seconds.
  int64_t upload_url_ttl_seconds = 60;
  // Upload sessions (API.md section 5): seconds until a session's file expires.
  int64_t session_ttl_seconds = 86400;
  // CORS (API.md section 8, api/cors.h): exact origins allowed to call from a browser; empty = none.
  std::vector<std::string> cors_origins;
};

struct Services {
  BlobStore* blobs = nullptr;
  MetadataStore* meta = nullptr;
  Authenticator* auth = nullptr;
  Clock* clock = nullptr;
  Metrics* metrics = nullptr;
  FileAnalyzer* analyzer = nullptr;
  UrlSigner* url_signer = nullptr;  // signs and verifies the pre-signed flow's upload URLs
  // The upload flows (src/upload), built on upload_deps() by the composition root.
  FileUploads* file_uploads = nullptr;    // POST /v1/files
  PresignedUploads* presigned = nullptr;  // upload-url, signed PUT, confirm-upload
  Sessions* sessions = nullptr;           // upload sessions and OpenAI Uploads (upload/sessions.h)
  ApiOptions options;
  // Names this server instance (random per start: coord/instance_lease.h); owns the
  // Idempotency-Key claims it makes.
  std::string instance_id;
  // Whether another instance that owns a claim is still alive. Null: this is the only instance, so
  // every other owner is gone.
  InstanceLiveness* liveness = nullptr;

  // What the upload flows (src/upload) need, taken from the fields above.
  UploadDeps upload_deps() const {
    return UploadDeps{blobs, meta, clock, analyzer, url_signer,
                      UploadLimits{options.max_file_bytes, options.upload_url_ttl_seconds,
                                   options.session_ttl_seconds}};
  }
};

}  // namespace filesd
