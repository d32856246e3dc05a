// Plain records stored by the MetadataStore. No behaviour beyond conversions of enums to and from
// their wire names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace filesd {

// Lifecycle of a file (API.md section 2).
enum class FileStatus { kPending, kUploading, kUploaded, kProcessing, kProcessed, kError };
std::string_view FileStatusName(FileStatus s);               // "pending", "uploading", ...
std::optional<FileStatus> ParseFileStatus(std::string_view s);

// The purposes API.md accepts.
bool IsKnownPurpose(std::string_view purpose);

struct FileRecord {
  std::string id;          // UUID v4
  std::string project_id;
  std::string filename;
  std::string purpose;
  uint64_t bytes = 0;
  FileStatus status = FileStatus::kUploaded;
  std::optional<std::string> status_details;
  std::string mime_type;
  std::optional<std::string> sha256;         // hex, once the content is complete
  std::string blob_key;                      // empty while no content exists
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> processed_at;
  std::optional<std::string> metadata_json;  // JSON text of API.md section 6, once processed
  std::optional<std::string> processing_summary;
  std::optional<int64_t> deleted_at;         // soft delete time; never visible once set
};

struct Project {
  std::string id;    // UUID v4
  std::string name;  // unique, chosen by the operator
  int64_t created_at = 0;
  std::optional<uint64_t> quota_bytes;
  std::optional<uint64_t> quota_files;
};

struct ApiKeyRecord {
  std::string key_id;       // public, short, shown in listings and used to revoke
  std::string project_id;
  std::string secret_hash;  // hex SHA-256 of the secret part; the secret itself is never stored
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
  std::optional<int64_t> expires_at;
};

enum class SortOrder { kAsc, kDesc };

struct ListFilesQuery {
  std::optional<std::string> purpose;
  uint32_t limit = 100;                 // 1..1000, validated by the caller
  uint64_t offset = 0;
  std::optional<std::string> after_id;  // cursor: only files strictly after this one in `order`
  SortOrder order = SortOrder::kDesc;   // by created_at, then id
};

struct FileList {
  std::vector<FileRecord> files;
  uint64_t total = 0;     // every visible file matching `purpose`, regardless of paging
  bool has_more = false;  // more matching files after the last one returned
};

// One part of an upload session (OpenAI Uploads, API.md section 5): staged content in its own blob
// until the session completes.
//
// Parts hash as they stream, each continuing the SHA-256 state (base/crypto.h) of the part that was
// the session's last when it started, so a session whose parts complete in the order they were
// chained needs no second read to get its digest.
struct UploadPartRecord {
  std::string id;        // "part_<uuid>"
  std::string file_id;   // the session's file
  uint64_t bytes = 0;
  std::string blob_key;
  int64_t created_at = 0;
  // Set by AddUploadPart (ignored on input): 1 + the highest seq of the file's parts, so the order
  // in which parts were added.
  uint64_t seq = 0;
  // The id of the part whose hash state this part continued; "" for a fresh start.
  std::string chain_prev;
  // Sha256::ExportState() after chain_prev's chain and this part's bytes; "" when not hashed (parts
  // of a database older than 0006_upload_segments).
  std::string sha256_state;
};

// One acknowledged append of an upload session: an immutable blob holding the session's content in
// [offset, offset + bytes). A session's segments tile its content from 0 without gaps, in offset
// order.
struct UploadSegmentRecord {
  std::string file_id;
  uint64_t offset = 0;        // where the segment starts in the session's content
  uint64_t bytes = 0;         // > 0
  std::string blob_key;
  std::string sha256_state;   // Sha256::ExportState() after [0, offset + bytes) (base/crypto.h)
  int64_t created_at = 0;
};

// An Idempotency-Key of a project (API.md section 8): a claim while its first request runs, then
// that request's answer.
struct IdempotencyRecord {
  std::string project_id;
  std::string key;
  std::string owner;        // the server process that runs (or ran) the first request
  int64_t created_at = 0;
  std::optional<std::string> file_id;  // the id reserved for the file the request creates, if any
  // Set together once the first request succeeded:
  std::optional<std::string> fingerprint;  // what identifies the request (api/idempotency.h)
  std::optional<int> status_code;          // its HTTP status
  std::string response_body;               // its JSON body

  bool answered() const { return status_code.has_value(); }
};

// Conditions for a conditional update; each set field must hold for the update to apply.
struct FilePrecondition {
  std::optional<FileStatus> status;
  std::optional<uint64_t> bytes;
  std::optional<std::string> blob_key;
};

}  // namespace filesd
