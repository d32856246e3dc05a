// PresignedUploads: the pre-signed upload flow (API.md section 4), free of HTTP.
//
//   CreateUploadUrl  a pending file row (no content) and the signed target of its upload URL
//                    (upload/url_signer.h); quotas checked with the declared size, if any.
//   StartSignedPut   verifies the signed target (signature, expiry, bound size and type) before any
//                    body byte, then returns a sink: the bytes stream into a fresh blob (BlobIngest)
//                    and Finish() adopts it with one conditional UpdateFile (pending -> uploaded),
//                    so of two racing PUTs one wins and the other gets 409.
//   Confirm          checks size and digest, then analysis through deps.analyzer (at most once per
//                    file); if another request is analysing the file it waits for that outcome.
//                    A file of an unsupported type, or over the size limit, is refused and the
//                    refusal recorded on it (status error), so its state says what the answer said.
//
// Failures are Statuses with stable reasons (docs/errors.md); api/errors.cc gives the reasons below
// the seed's short `error` texts. Thread-safe: the object holds only UploadDeps; each sink is used
// by one request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "meta/records.h"
#include "upload/content_sink.h"
#include "upload/upload_deps.h"

namespace filesd {

// Reasons of this flow's refusals (all but the first also name the seed's short `error` texts).
inline constexpr std::string_view kReasonFileTooLarge = "file_too_large";  // 400 here, 413 streaming
inline constexpr std::string_view kReasonInvalidFileType = "invalid_file_type";     // 400
inline constexpr std::string_view kReasonFileSizeMismatch = "file_size_mismatch";   // 400
inline constexpr std::string_view kReasonChecksumMismatch = "checksum_mismatch";    // 400
inline constexpr std::string_view kReasonFileNotInStorage = "file_not_in_storage";  // 404 confirm
inline constexpr std::string_view kReasonFileProcessing = "file_processing";        // 409
inline constexpr std::string_view kReasonProcessingFailed = "processing_failed";    // 500

// The words a refusal is recorded with on the file (status_details "<words>: <message>"), which are
// also the `error` text of its answer. One table for both (api/errors.cc reads it).
struct RefusalWords {
  std::string_view reason;
  std::string_view words;
};
inline constexpr RefusalWords kRefusalWords[] = {
    {kReasonInvalidFileType, "Invalid file type"},
    {kReasonFileTooLarge, "File too large"},
};

struct UploadUrlRequest {
  std::string project_id;
  std::string filename;                      // validated here (ValidateFilename)
  std::optional<uint64_t> file_size;         // binds the PUT to this exact size
  std::optional<std::string> content_type;   // binds the PUT to this type; validated here
  std::string purpose = "user_data";         // validated here
  std::optional<int64_t> expires_after_seconds;  // already in range (api/expires_after.h)
};

struct UploadUrl {
  std::string file_id;
  std::string signed_target;  // path and query; the caller prepends its public base URL
  std::string storage_path;
  int64_t expires_at = 0;     // of the URL
};

// A PUT as the flow needs it: the signed target and what the request header says.
struct SignedPutRequest {
  std::string target;                     // the request target, path and query, as received
  std::optional<uint64_t> content_length; // nullopt for a chunked body; 0 for none
  std::string content_type;               // the header's value, trimmed; "" when absent
};

struct SignedPutResult {
  std::string file_id;
  std::string storage_path;
  uint64_t bytes = 0;
  std::string sha256;  // hex
};

// Bytes of one signed PUT. Append() refuses past the bound size (403 size_mismatch), the quota
// (429) or the size limit (413 file_too_large).
class SignedPutSink : public ContentSink<SignedPutResult> {};

struct ConfirmRequest {
  std::string project_id;
  std::string file_id;                       // any string; only a UUID can name a file
  uint64_t file_size = 0;                    // must equal the uploaded size
  std::optional<std::string> sha256;         // 64 hex digits (checked by the caller), any case
  std::optional<int64_t> expires_after_seconds;  // already in range
};

// How long Confirm waits for an analysis another request is running (the worker's own limit is 30 s
// by default), and how it waits; tests replace `sleep` to run without time passing.
struct ConfirmWait {
  std::chrono::milliseconds timeout{60000};
  std::chrono::milliseconds poll{200};
  std::function<void(std::chrono::milliseconds)> sleep;  // null: std::this_thread::sleep_for
};

class PresignedUploads {
 public:
  explicit PresignedUploads(UploadDeps deps, ConfirmWait wait = {});

  // REQUIRES: deps.url_signer. Creates the pending file; kInvalidArgument for a bad field,
  // file_too_large (400) for a declared size over the limit, kResourceExhausted for quotas.
  Result<UploadUrl> CreateUploadUrl(const UploadUrlRequest& request) const;

  // Settles everything the request header decides (signature, expiry, bindings, size limit, the
  // file still pending, quotas), then opens the sink. 403 for the URL or a binding, 404
  // file_not_found if the file is gone, 409 upload_already_completed, 413, 429.
  Result<std::unique_ptr<SignedPutSink>> StartSignedPut(const SignedPutRequest& request) const;

  // The confirmed file (status processed, or uploaded when no analysis is wired). Errors: 404
  // file_not_in_storage (unknown, foreign or not yet uploaded), 400 file_size_mismatch,
  // checksum_mismatch, invalid_file_type, file_too_large, 409 file_processing, 500
  // processing_failed (message: the file's status_details).
  Result<FileRecord> Confirm(const ConfirmRequest& request) const;

 private:
  Result<FileRecord> SetExpiry(const FileRecord& file, int64_t seconds) const;
  Result<FileRecord> AnalyzeOrAwait(const FileRecord& file, const std::string& project_id) const;
  Result<FileRecord> Refuse(const FileRecord& file, std::string_view reason,
                            std::string message) const;

  UploadDeps deps_;
  ConfirmWait wait_;
};

// The `type` of a processed file's metadata ("" when there is none): what the analysis found.
std::string AnalyzedType(const FileRecord& file);

}  // namespace filesd
