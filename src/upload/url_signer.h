// UrlSigner: signed upload URLs of the pre-signed flow (API.md section 4).
//
// A signed URL grants exactly one thing: PUTting the content of one pending file, starting before
// an expiry, optionally bound to an exact size and Content-Type (API.md section 8). Whoever holds
// the URL needs no API key, so everything the PUT handler relies on (project, file, storage path,
// expiry, the bindings) travels inside the URL and is covered by the signature. Nothing else in the
// query is trusted.
//
// URL shape (documented in README.md), relative to the public base URL:
//
//   /v1/files/upload/<file_id>[.<ext>]?project=<project_id>&expires=<unix seconds>
//                                     [&size=<bytes>][&type=<percent-encoded media type>]&sig=<mac>
//
// The last path segment is the storage basename, so the path names the storage path
// "files/<file_id>[.<ext>]". Verification of a signed URL happens in Verify() and nowhere else
// (one function alone verifies signed URLs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace filesd {

// The path prefix of every signed upload URL.
inline constexpr std::string_view kSignedUploadPathPrefix = "/v1/files/upload/";

// Stable reasons (docs/errors.md) of a refused signed URL; both are kPermissionDenied (403).
inline constexpr std::string_view kReasonInvalidSignature = "invalid_signature";
inline constexpr std::string_view kReasonUrlExpired = "upload_url_expired";

// What one signed URL grants.
struct UploadGrant {
  std::string project_id;                   // UUID of the project that owns the file
  std::string file_id;                      // UUID of the pending file
  std::string storage_path;                 // StoragePathFor(file_id, filename)
  int64_t expires_at = 0;                   // Unix seconds; a PUT starting later is refused
  std::optional<uint64_t> size_bytes;       // when bound: the exact content length
  std::optional<std::string> content_type;  // when bound: the exact Content-Type header value

  bool operator==(const UploadGrant&) const = default;
};

class UrlSigner {
 public:
  virtual ~UrlSigner() = default;

  // The request target (origin form: path and query) that grants `grant`, to be appended to the
  // public base URL. Deterministic for a given grant and key.
  // REQUIRES: IsSignableGrant(grant).
  virtual std::string SignedTarget(const UploadGrant& grant) const = 0;

  // Checks the request target of a PUT at time `now` (Unix seconds) and returns what it grants.
  // Reads nothing but its arguments, so it runs before any body byte is read. The signature is
  // compared in constant time. Unknown query parameters are ignored (they are not signed, so they
  // grant nothing); a repeated known parameter is refused.
  // Errors, all kPermissionDenied with a message fit for the client:
  //  * reason kReasonInvalidSignature: the target is malformed, a required parameter is missing, or
  //    the signature does not match (any change to the path, the project, the expiry or a binding);
  //  * reason kReasonUrlExpired: the signature is valid but now > expires_at. The expiry is only
  //    reported for a correctly signed URL, so a forged expiry reads as a bad signature.
  // Thread-safe.
  virtual Result<UploadGrant> Verify(std::string_view target, int64_t now) const = 0;
};

// "files/<file_id>.<ext>", where <ext> is the lower-cased extension of `filename` when it is 1 to
// 16 ASCII letters or digits; "files/<file_id>" otherwise. Never contains a client byte outside
// [a-z0-9], so it is safe in a URL path and in storage.
std::string StoragePathFor(std::string_view file_id, std::string_view filename);

// True when `type` may be bound to a URL: 1 to 255 bytes of printable ASCII (0x20..0x7e), not
// starting or ending with a space.
bool IsBindableContentType(std::string_view type);

// True when every field of `grant` can be signed: UUID ids, a storage path of StoragePathFor's form
// for file_id, expires_at >= 0, a bound size of at most INT64_MAX, a bindable content type when one
// is bound.
bool IsSignableGrant(const UploadGrant& grant);

}  // namespace filesd
