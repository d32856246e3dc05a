// The pre-signed upload flow (API.md section 4) and the text route (section 7).
//
//   POST /v1/files/upload-url      a pending file row and a signed URL (upload/url_signer.h)
//   PUT  <signed URL>              no API key: the URL is verified from the header, before any
//                                  body byte is read; the body streams into a fresh blob
//                                  (BlobIngest) and one conditional UpdateFile (pending ->
//                                  uploaded) adopts it, so of two racing PUTs one wins, one is 409
//   POST /v1/files/confirm-upload  checks, then analysis through services.analyzer (at most once)
//   GET  /v1/files/{id}/text       the text extracted by the analysis, streamed
//
// Errors of the first three use the pre-signed envelope {"success":false,"error":...[,"message"]}.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "api/analyzer.h"
#include "api/expires_after.h"
#include "api/handler_util.h"
#include "api/handlers.h"
#include "api/http_names.h"
#include "upload/blob_ingest.h"
#include "api/json_body.h"
#include "api/json_response.h"
#include "api/parse/media_type.h"
#include "upload/quota.h"
#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "upload/url_signer.h"

namespace filesd::handlers {
namespace {

namespace json = boost::json;

constexpr std::string_view kFileNotInStorage = "File not found in storage";
constexpr std::string_view kSupportedTypes = "CSV, Excel, PDF, images, JSON or text";
// How long confirm-upload waits for an analysis another request is running (the worker's own limit
// is 30 s by default), and how often it looks.
constexpr auto kProcessingWait = std::chrono::seconds(60);
constexpr auto kProcessingPoll = std::chrono::milliseconds(200);

// {"success":false,"error":<error>,"message":<message>} with the HTTP status of `code`. For the
// failures whose short `error` text is fixed by the seeds, with a detail that helps the client.
Response PresignedError(StatusCode code, std::string_view error, std::string_view message) {
  json::object o;
  o["success"] = false;
  o["error"] = error;
  if (!message.empty()) o["message"] = message;
  return JsonResponse(HttpStatusFor(code), o);
}

// 403 in the pre-signed envelope, with a reason other than the API-key one (errors.cc words a
// reason-less 403 as "Invalid API key").
Status Forbidden(std::string message, std::string reason) {
  return Status(StatusCode::kPermissionDenied, std::move(message), std::move(reason));
}

bool AsciiIEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A JSON number that is a non-negative integer (45678, not 45678.5 or -1).
std::optional<uint64_t> NonNegativeInteger(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<uint64_t>(v.get_int64());
  return std::nullopt;
}

const json::value* Field(const json::object& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

// What signed URLs start with: --public-base-url, or the Host this request was sent to.
std::string PublicBaseUrl(const RequestContext& ctx) {
  if (!ctx.services.options.public_base_url.empty()) return ctx.services.options.public_base_url;
  std::string_view host;
  if (auto it = ctx.head.header.find(http::field::host); it != ctx.head.header.end()) {
    host = it->value();
  }
  const bool plausible =
      !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
               c == '[' || c == ']';
      });
  return "http://" + std::string(plausible ? host : "127.0.0.1");
}

// The metadata.type of a processed file ("" when unknown).
std::string MetadataType(const FileRecord& f) {
  if (!f.metadata_json) return "";
  boost::system::error_code ec;
  json::value v = json::parse(*f.metadata_json, ec);
  if (ec || !v.is_object()) return "";
  const json::value* t = v.as_object().if_contains("type");
  return t != nullptr && t->is_string() ? std::string(t->as_string()) : "";
}

// ------------------------------------------------------------------------------------------------
// POST /v1/files/upload-url

Response CreateUploadUrlFromBody(const Services& services, const std::string& project_id,
                                 const std::string& base_url, const json::object& body) {
  constexpr auto kEnvelope = ErrorEnvelope::kPresigned;
  const json::value* filename_v = Field(body, "filename");
  if (filename_v == nullptr || (filename_v->is_string() && filename_v->as_string().empty())) {
    return ErrorResponse(InvalidArgument("filename is required").WithParam("filename"), kEnvelope);
  }
  if (!filename_v->is_string()) {
    return ErrorResponse(InvalidArgument("filename must be a string").WithParam("filename"),
                         kEnvelope);
  }
  const std::string filename(filename_v->as_string());
  if (Status s = ValidateFilename(filename, "filename"); !s.ok()) {
    return ErrorResponse(s, kEnvelope);
  }

  const uint64_t max_bytes = services.options.max_file_bytes;
  std::optional<uint64_t> size;
  if (const json::value* v = Field(body, "file_size")) {
    size = NonNegativeInteger(*v);
    if (!size) {
      return ErrorResponse(InvalidArgument("file_size must be a non-negative integer"), kEnvelope);
    }
    if (*size > max_bytes) {
      return PresignedError(
          StatusCode::kInvalidArgument, "File too large",
          "file_size is over the limit of " + std::to_string(max_bytes) + " bytes");
    }
  }
  std::optional<std::string> content_type;
  if (const json::value* v = Field(body, "content_type")) {
    if (!v->is_string() || !IsBindableContentType(v->as_string()) ||
        !ParseMediaType(v->as_string())) {
      return ErrorResponse(InvalidArgument("content_type must be a media type (type/subtype, "
                                           "optional parameters) of at most 255 printable ASCII "
                                           "characters")
                               .WithParam("content_type"),
                           kEnvelope);
    }
    content_type = std::string(v->as_string());
  }
  std::string purpose = "user_data";
  if (const json::value* v = Field(body, "purpose")) {
    if (!v->is_string() || !IsKnownPurpose(v->as_string())) {
      return ErrorResponse(UnknownPurpose(), kEnvelope);
    }
    purpose = std::string(v->as_string());
  }
  const int64_t now = services.clock->NowSeconds();
  std::optional<int64_t> file_expires_at;
  if (const json::value* v = Field(body, "expires_after")) {
    auto seconds = ExpiresAfterSeconds(*v);
    if (!seconds.ok()) return ErrorResponse(seconds.status(), kEnvelope);
    file_expires_at = now + *seconds;
  }

  // Quotas (API.md section 8): the new file must fit, with its declared size if there is one. The
  // PUT checks again against the usage of its time.
  auto quota = LoadQuotaState(*services.meta, project_id, now);
  if (!quota.ok()) return ErrorResponse(quota.status(), kEnvelope);
  if (Status s = quota->CheckNewFile(size.value_or(0)); !s.ok()) return ErrorResponse(s, kEnvelope);

  FileRecord f;
  f.id = NewUuidV4();
  f.project_id = project_id;
  f.filename = filename;
  f.purpose = purpose;
  f.bytes = 0;
  f.status = FileStatus::kPending;
  f.mime_type = content_type && content_type->find('/') != std::string::npos
                    ? *content_type
                    : MediaTypeForFilename(filename);
  f.created_at = now;
  f.updated_at = now;
  f.expires_at = file_expires_at;
  if (Status s = services.meta->CreateFile(f); !s.ok()) return ErrorResponse(s, kEnvelope);

  UploadGrant grant;
  grant.project_id = project_id;
  grant.file_id = f.id;
  grant.storage_path = StoragePathFor(f.id, filename);
  grant.expires_at = now + services.options.upload_url_ttl_seconds;
  grant.size_bytes = size;
  grant.content_type = content_type;

  json::object o;
  o["success"] = true;
  o["file_id"] = f.id;
  o["upload_url"] = base_url + services.url_signer->SignedTarget(grant);
  o["storage_path"] = grant.storage_path;
  o["expires_at"] = grant.expires_at;
  return JsonResponse(http::status::ok, o);
}

// ------------------------------------------------------------------------------------------------
// PUT <signed URL>

// Streams the raw body into a fresh blob; on the end, adopts it into the pending row.
class SignedPutConsumer final : public BodyConsumer {
 public:
  SignedPutConsumer(const Services& services, FileRecord file, UploadGrant grant,
                    std::string put_content_type, std::unique_ptr<BlobIngest> ingest,
                    QuotaState quota)
      : services_(services),
        file_(std::move(file)),
        grant_(std::move(grant)),
        put_content_type_(std::move(put_content_type)),
        ingest_(std::move(ingest)),
        quota_(std::move(quota)) {}

  Status OnData(std::string_view data) override {
    const uint64_t after = ingest_->size_bytes() + data.size();
    if (grant_.size_bytes && after > *grant_.size_bytes) return SizeMismatch(after);
    FILESD_RETURN_IF_ERROR(quota_.CheckGrowth(after));
    if (after > services_.options.max_file_bytes) {
      return PayloadTooLarge("file is larger than the limit of " +
                                 std::to_string(services_.options.max_file_bytes) + " bytes",
                             "file_too_large");
    }
    return ingest_->Append(data);
  }

  Response OnEnd() override {
    constexpr auto kEnvelope = ErrorEnvelope::kPresigned;
    if (grant_.size_bytes && ingest_->size_bytes() != *grant_.size_bytes) {
      const uint64_t got = ingest_->size_bytes();
      ingest_->Abandon();
      return ErrorResponse(SizeMismatch(got), kEnvelope);
    }
    auto blob = ingest_->Commit();
    if (!blob.ok()) {
      ingest_->Abandon();
      return ErrorResponse(blob.status(), kEnvelope);
    }
    const int64_t now = services_.clock->NowSeconds();
    FileRecord updated = file_;
    updated.bytes = blob->size_bytes;
    updated.sha256 = blob->sha256_hex;
    updated.blob_key = ingest_->blob_key();
    updated.status = FileStatus::kUploaded;
    updated.status_details.reset();
    updated.updated_at = now;
    if (updated.mime_type == "application/octet-stream" &&
        put_content_type_.find('/') != std::string::npos) {
      updated.mime_type = put_content_type_;
    }
    FilePrecondition expect;
    expect.status = FileStatus::kPending;
    expect.blob_key = "";
    if (Status s = services_.meta->UpdateFile(updated, expect, now); !s.ok()) {
      ingest_->Abandon();
      if (s.code() == StatusCode::kConflict) return ErrorResponse(AlreadyUploaded(), kEnvelope);
      if (s.code() == StatusCode::kNotFound) {
        return PresignedError(StatusCode::kNotFound, "File not found",
                              "the file was deleted or expired during the upload");
      }
      return ErrorResponse(s, kEnvelope);
    }
    ingest_->Adopted();
    json::object o;
    o["success"] = true;
    o["file_id"] = updated.id;
    o["storage_path"] = grant_.storage_path;
    o["file_size"] = updated.bytes;
    o["sha256"] = *updated.sha256;
    return JsonResponse(http::status::ok, o);
  }

  void OnAbort() override { ingest_->Abandon(); }

  static Status AlreadyUploaded() {
    return Conflict("The file was already uploaded with this URL; an upload URL serves one upload",
                    "upload_already_completed");
  }

 private:
  Status SizeMismatch(uint64_t got) const {
    return Forbidden("The upload does not match the size bound to this upload URL (" +
                         std::to_string(*grant_.size_bytes) + " bytes, got " +
                         (got > *grant_.size_bytes ? "more" : std::to_string(got)) + ")",
                     "size_mismatch");
  }

  const Services& services_;
  const FileRecord file_;
  const UploadGrant grant_;
  const std::string put_content_type_;
  std::unique_ptr<BlobIngest> ingest_;
  const QuotaState quota_;  // at the start of the PUT; the store checks again when it commits
};

// ------------------------------------------------------------------------------------------------
// POST /v1/files/confirm-upload

// A confirmation refused for what the file is (400 `Invalid file type`, `File too large`). The
// refusal is recorded on the file, so that its state says what the answer said: status error,
// status_details "<error>: <message>" (the answer's words), no metadata. The file stays stored,
// listed and counted in usage until it is deleted; confirming it again answers the same 400.
struct Refusal {
  std::string_view error;
  std::string message;
};
constexpr std::string_view kRefusalErrors[] = {"Invalid file type", "File too large"};

Refusal InvalidFileType() {
  return {kRefusalErrors[0],
          "the content is not a supported type (" + std::string(kSupportedTypes) + ")"};
}

Refusal FileTooLarge(uint64_t limit) {
  return {kRefusalErrors[1], "the file is over the limit of " + std::to_string(limit) + " bytes"};
}

std::string RefusalDetails(const Refusal& r) { return std::string(r.error) + ": " + r.message; }

// The refusal recorded on `f` by RecordRefusal, if any.
std::optional<Refusal> RecordedRefusal(const FileRecord& f) {
  if (f.status != FileStatus::kError || !f.status_details) return std::nullopt;
  const std::string_view details = *f.status_details;
  for (std::string_view error : kRefusalErrors) {
    if (details.size() > error.size() + 2 && details.starts_with(error) &&
        details.substr(error.size(), 2) == ": ") {
      return Refusal{error, std::string(details.substr(error.size() + 2))};
    }
  }
  return std::nullopt;
}

// Moves `f` (as read, in status uploaded or processed) to status error with the refusal.
Result<FileRecord> RecordRefusal(const Services& services, const FileRecord& f,
                                 const Refusal& refusal) {
  const int64_t now = services.clock->NowSeconds();
  FileRecord refused = f;
  refused.status = FileStatus::kError;
  refused.status_details = RefusalDetails(refusal);
  refused.metadata_json.reset();
  refused.processing_summary.reset();
  refused.processed_at.reset();
  refused.updated_at = now;
  FilePrecondition expect;
  expect.status = f.status;
  expect.blob_key = f.blob_key;
  FILESD_RETURN_IF_ERROR(services.meta->UpdateFile(refused, expect, now));
  return refused;
}

// The answer for a file the analyzer is done with (or could not finish).
Response ConfirmAnswer(const FileRecord& f) {
  if (std::optional<Refusal> refusal = RecordedRefusal(f)) {
    return PresignedError(StatusCode::kInvalidArgument, refusal->error, refusal->message);
  }
  switch (f.status) {
    case FileStatus::kError:
      return PresignedError(StatusCode::kInternal, "Processing failed",
                            f.status_details.value_or("the file could not be processed"));
    case FileStatus::kProcessing:
      return PresignedError(StatusCode::kConflict, "File is being processed",
                            "another request is processing this file; retry shortly");
    case FileStatus::kPending:
    case FileStatus::kUploading:
      return PresignedError(StatusCode::kNotFound, kFileNotInStorage, "");
    case FileStatus::kUploaded:  // no analyzer is wired: nothing to report yet
    case FileStatus::kProcessed:
      break;
  }
  json::object o;
  o["success"] = true;
  o["file_id"] = f.id;
  o["filename"] = f.filename;
  o["file_size"] = f.bytes;
  o["processed_at"] = f.processed_at ? json::value(*f.processed_at) : json::value(nullptr);
  json::value metadata = nullptr;
  if (f.metadata_json) {
    boost::system::error_code ec;
    metadata = json::parse(*f.metadata_json, ec);
    if (ec) metadata = nullptr;
  }
  o["metadata"] = std::move(metadata);
  o["processing_summary"] =
      f.processing_summary ? json::value(*f.processing_summary) : json::value(nullptr);
  return JsonResponse(http::status::ok, o);
}

// Records the refusal on `f` and answers it; when the file changed meanwhile, answers what it is now.
Response AnswerRefusal(const Services& services, const FileRecord& f, const Refusal& refusal) {
  auto refused = RecordRefusal(services, f, refusal);
  if (refused.ok()) return ConfirmAnswer(*refused);
  switch (refused.status().code()) {
    case StatusCode::kNotFound:
      return PresignedError(StatusCode::kNotFound, kFileNotInStorage,
                            "the file was deleted meanwhile");
    case StatusCode::kConflict:
      return PresignedError(StatusCode::kConflict, "File is being processed",
                            "the file changed meanwhile; retry the confirmation");
    default:
      return ErrorResponse(refused.status(), ErrorEnvelope::kPresigned);
  }
}

Response ConfirmUploadFromBody(const Services& services, const std::string& project_id,
                               const json::object& body) {
  constexpr auto kEnvelope = ErrorEnvelope::kPresigned;
  const json::value* id_v = Field(body, "file_id");
  if (id_v == nullptr || !id_v->is_string() || id_v->as_string().empty()) {
    return ErrorResponse(InvalidArgument("file_id is required").WithParam("file_id"), kEnvelope);
  }
  const json::value* name_v = Field(body, "filename");
  if (name_v == nullptr || !name_v->is_string() || name_v->as_string().empty()) {
    return ErrorResponse(InvalidArgument("filename is required").WithParam("filename"), kEnvelope);
  }
  const json::value* size_v = Field(body, "file_size");
  if (size_v == nullptr) {
    return ErrorResponse(InvalidArgument("file_size is required").WithParam("file_size"),
                         kEnvelope);
  }
  const std::optional<uint64_t> file_size = NonNegativeInteger(*size_v);
  if (!file_size) {
    return ErrorResponse(InvalidArgument("file_size must be a non-negative integer"), kEnvelope);
  }
  std::optional<std::string> sha256;
  if (const json::value* v = Field(body, "sha256")) {
    if (!v->is_string() || v->as_string().size() != 64 ||
        !std::all_of(v->as_string().begin(), v->as_string().end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      return ErrorResponse(InvalidArgument("sha256 must be 64 hexadecimal digits"), kEnvelope);
    }
    sha256 = std::string(v->as_string());
  }

  std::optional<int64_t> expires_after_seconds;
  if (const json::value* v = Field(body, "expires_after")) {
    auto seconds = ExpiresAfterSeconds(*v);
    if (!seconds.ok()) return ErrorResponse(seconds.status(), kEnvelope);
    expires_after_seconds = *seconds;
  }

  const std::string file_id(id_v->as_string());
  // The detail names the id only when it is one (handler_util.h NoSuchFile).
  const std::string no_such_file = NoSuchFile(file_id).message();
  if (!IsUuid(file_id)) {
    return PresignedError(StatusCode::kNotFound, kFileNotInStorage, no_such_file);
  }
  auto file = services.meta->GetFile(project_id, file_id, services.clock->NowSeconds());
  if (!file.ok()) {
    if (file.status().code() == StatusCode::kNotFound) {
      return PresignedError(StatusCode::kNotFound, kFileNotInStorage, no_such_file);
    }
    return ErrorResponse(file.status(), kEnvelope);
  }
  if (file->status == FileStatus::kPending || file->status == FileStatus::kUploading ||
      file->blob_key.empty()) {
    return PresignedError(StatusCode::kNotFound, kFileNotInStorage,
                          "the content of this file has not been uploaded yet; PUT it to the "
                          "upload URL first");
  }
  if (*file_size != file->bytes) {
    return PresignedError(StatusCode::kInvalidArgument, "File size mismatch",
                          "file_size is " + std::to_string(*file_size) +
                              " but the uploaded content has " + std::to_string(file->bytes) +
                              " bytes");
  }
  if (sha256 && !(file->sha256 && AsciiIEquals(*sha256, *file->sha256))) {
    return PresignedError(StatusCode::kInvalidArgument, "Checksum mismatch",
                          "sha256 does not match the digest of the uploaded content");
  }
  FileRecord done = *file;
  // Over the limit (lowered since the upload): refused before it is analysed. A file already
  // confirmed keeps its result.
  if (done.status == FileStatus::kUploaded && done.bytes > services.options.max_file_bytes) {
    return AnswerRefusal(services, done, FileTooLarge(services.options.max_file_bytes));
  }
  if (expires_after_seconds) {
    const int64_t now = services.clock->NowSeconds();
    auto at = ExpiryFromCreation(done.created_at, *expires_after_seconds, now);
    if (!at.ok()) return ErrorResponse(at.status(), kEnvelope);
    if (done.expires_at != *at) {
      FileRecord updated = done;
      updated.expires_at = *at;
      updated.updated_at = now;
      FilePrecondition expect;
      expect.status = done.status;
      expect.blob_key = done.blob_key;
      if (Status s = services.meta->UpdateFile(updated, expect, now); !s.ok()) {
        if (s.code() == StatusCode::kConflict) {
          return PresignedError(StatusCode::kConflict, "File is being processed",
                                "the file changed meanwhile; retry the confirmation");
        }
        return ErrorResponse(s, kEnvelope);
      }
      done = std::move(updated);
    }
  }
  if (done.status == FileStatus::kUploaded || done.status == FileStatus::kProcessing) {
    auto analyzed = services.analyzer->Analyze(done);
    if (!analyzed.ok()) {
      if (analyzed.status().code() == StatusCode::kNotFound) {
        return PresignedError(StatusCode::kNotFound, kFileNotInStorage,
                              "the file was deleted meanwhile");
      }
      return ErrorResponse(analyzed.status(), kEnvelope);
    }
    done = std::move(analyzed).value();
  }
  // Another request is analysing this file: wait for its outcome rather than answer 409 at once,
  // so a client that retries a confirm whose answer it lost gets the result.
  const auto deadline = std::chrono::steady_clock::now() + kProcessingWait;
  while (done.status == FileStatus::kProcessing && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kProcessingPoll);
    auto again = services.meta->GetFile(project_id, file_id, services.clock->NowSeconds());
    if (!again.ok()) {
      if (again.status().code() == StatusCode::kNotFound) {
        return PresignedError(StatusCode::kNotFound, kFileNotInStorage,
                              "the file was deleted meanwhile");
      }
      return ErrorResponse(again.status(), kEnvelope);
    }
    done = std::move(again).value();
  }
  // An unsupported type is known once analysed (any type is stored and analysed; this flow accepts
  // only the supported ones). The refusal is recorded on a file this flow analysed (here or in a
  // concurrent confirm); a file that arrived processed by another flow (POST /v1/files accepts any
  // type) is refused all the same, but keeps its state.
  if (done.status == FileStatus::kProcessed && MetadataType(done) == "binary") {
    const Refusal refusal = InvalidFileType();
    if (file->status != FileStatus::kUploaded && file->status != FileStatus::kProcessing) {
      return PresignedError(StatusCode::kInvalidArgument, refusal.error, refusal.message);
    }
    return AnswerRefusal(services, done, refusal);
  }
  return ConfirmAnswer(done);
}

// ------------------------------------------------------------------------------------------------
// GET /v1/files/{id}/text

}  // namespace

Dispatch CreateUploadUrl(RequestContext& ctx) {
  const Services& services = ctx.services;
  return JsonBodyDispatch(ctx, [&services, project_id = ctx.project_id,
                                base_url = PublicBaseUrl(ctx)](const json::object& body) {
    return CreateUploadUrlFromBody(services, project_id, base_url, body);
  });
}

Dispatch PutSignedUpload(RequestContext& ctx) {
  const Services& services = ctx.services;
  const auto& header = ctx.head.header;
  // The signature, the expiry and every binding are settled here, from the header alone.
  auto grant = services.url_signer->Verify(header.target(), ctx.now);
  if (!grant.ok()) return Answer(ctx.Error(grant.status()));

  const uint64_t declared = ctx.head.content_length.value_or(0);
  const bool length_known = ctx.head.content_length.has_value() || !ctx.head.has_body;
  if (grant->size_bytes && length_known && declared != *grant->size_bytes) {
    return Answer(ctx.Error(Forbidden("Content-Length " + std::to_string(declared) +
                                          " does not match the size bound to this "
                                          "upload URL (" +
                                          std::to_string(*grant->size_bytes) + " bytes)",
                                      "size_mismatch")));
  }
  std::string put_type;
  if (auto it = header.find(http::field::content_type); it != header.end()) {
    put_type = std::string(Trim(it->value()));
  }
  if (grant->content_type && !MediaTypeSatisfies(*grant->content_type, put_type)) {
    return Answer(
        ctx.Error(Forbidden("Content-Type does not match the type bound to this upload "
                            "URL (" +
                                *grant->content_type + ")",
                            "content_type_mismatch")));
  }
  const uint64_t max_bytes = services.options.max_file_bytes;
  if (declared > max_bytes) {
    return Answer(ctx.Error(
        PayloadTooLarge("file is larger than the limit of " + std::to_string(max_bytes) + " bytes",
                        "file_too_large")));
  }
  auto file = services.meta->GetFile(grant->project_id, grant->file_id, ctx.now);
  if (!file.ok()) {
    if (file.status().code() == StatusCode::kNotFound) {
      return Answer(PresignedError(StatusCode::kNotFound, "File not found",
                                   "the file of this upload URL was deleted or has expired"));
    }
    return Answer(ctx.Error(file.status()));
  }
  if (file->status != FileStatus::kPending) {
    return Answer(ctx.Error(SignedPutConsumer::AlreadyUploaded()));
  }
  // Quotas: refused from Content-Length before any byte is stored, or as soon as a streamed body
  // passes the room left.
  auto quota = LoadQuotaState(*services.meta, grant->project_id, ctx.now);
  if (!quota.ok()) return Answer(ctx.Error(quota.status()));
  if (Status s = quota->CheckGrowth(declared); !s.ok()) return Answer(ctx.Error(s));
  auto ingest =
      BlobIngest::Start(services.upload_deps(), blob_keys::NewContentKey(file->id));
  if (!ingest.ok()) return Answer(ctx.Error(ingest.status()));
  Dispatch d;
  d.consumer = std::make_unique<SignedPutConsumer>(
      services, std::move(file).value(), std::move(grant).value(), std::move(put_type),
      std::move(ingest).value(), std::move(quota).value());
  d.max_body_bytes = max_bytes;
  return d;
}

Dispatch ConfirmUpload(RequestContext& ctx) {
  const Services& services = ctx.services;
  return JsonBodyDispatch(ctx, [&services, project_id = ctx.project_id](const json::object& body) {
    return ConfirmUploadFromBody(services, project_id, body);
  });
}

Dispatch FileText(RequestContext& ctx) {
  auto f = LoadFile(ctx);
  if (!f.ok()) return Answer(ctx.Error(f.status()));
  const std::string& id = f->id;
  const Status no_text = NotFound(
      "File " + id + " has no text: it is not processed, or its type has none", "text_not_found");
  if (f->status != FileStatus::kProcessed || MetadataType(*f) == "binary") {
    return Answer(ctx.Error(no_text));
  }
  auto reader = ctx.services.blobs->NewReader(blob_keys::TextKey(f->id));
  if (!reader.ok()) {
    return Answer(
        ctx.Error(reader.status().code() == StatusCode::kNotFound ? no_text : reader.status()));
  }
  Response r;
  r.header.result(http::status::ok);
  r.header.set(http::field::content_type, "text/plain; charset=utf-8");
  r.header.set(http::field::cache_control, "private");
  r.stream = std::make_unique<BlobBodyStream>(std::move(reader).value());
  return Answer(std::move(r));
}

}  // namespace filesd::handlers
