#include "upload/presigned_uploads.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <thread>

#include "analysis/file_analyzer.h"
#include "api/parse/media_type.h"
#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "upload/blob_ingest.h"
#include "upload/file_names.h"
#include "upload/quota.h"
#include "upload/upload_checks.h"
#include "upload/url_signer.h"

namespace filesd {
namespace {

constexpr std::string_view kSupportedTypes = "CSV, Excel, PDF, images, JSON or text";

Status Forbidden(std::string message, std::string_view reason) {
  return Status(StatusCode::kPermissionDenied, std::move(message), std::string(reason));
}

Status WithReason(StatusCode code, std::string message, std::string_view reason) {
  return Status(code, std::move(message), std::string(reason));
}

Status NotInStorage(std::string message) {
  return WithReason(StatusCode::kNotFound, std::move(message), kReasonFileNotInStorage);
}

Status FileChangedMeanwhile() {
  return WithReason(StatusCode::kConflict, "the file changed meanwhile; retry the confirmation",
                    kReasonFileProcessing);
}

Status AlreadyUploaded() {
  return Conflict("The file was already uploaded with this URL; an upload URL serves one upload",
                  "upload_already_completed");
}

bool AsciiIEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view RefusalWordsOf(std::string_view reason) {
  for (const RefusalWords& r : kRefusalWords) {
    if (r.reason == reason) return r.words;
  }
  return {};
}

// The refusal recorded on `f` (status error, details "<words>: <message>"), if any.
std::optional<Status> RecordedRefusal(const FileRecord& f) {
  if (f.status != FileStatus::kError || !f.status_details) return std::nullopt;
  const std::string_view details = *f.status_details;
  for (const RefusalWords& r : kRefusalWords) {
    if (details.size() > r.words.size() + 2 && details.starts_with(r.words) &&
        details.substr(r.words.size(), 2) == ": ") {
      return WithReason(StatusCode::kInvalidArgument,
                        std::string(details.substr(r.words.size() + 2)), r.reason);
    }
  }
  return std::nullopt;
}

// What a file the analyzer is done with (or could not finish) answers a confirmation.
Result<FileRecord> OutcomeOf(const FileRecord& f) {
  if (std::optional<Status> refusal = RecordedRefusal(f)) return *refusal;
  switch (f.status) {
    case FileStatus::kError:
      return WithReason(StatusCode::kInternal,
                        f.status_details.value_or("the file could not be processed"),
                        kReasonProcessingFailed);
    case FileStatus::kProcessing:
      return WithReason(StatusCode::kConflict,
                        "another request is processing this file; retry shortly",
                        kReasonFileProcessing);
    case FileStatus::kPending:
    case FileStatus::kUploading:
      return NotInStorage("");
    case FileStatus::kUploaded:  // no analyzer is wired: nothing to report yet
    case FileStatus::kProcessed:
      break;
  }
  return f;
}

// ------------------------------------------------------------------------------------------------
// The signed PUT's sink: the body into a fresh blob, adopted into the pending row at Finish().

class SignedPut final : public SignedPutSink {
 public:
  SignedPut(const UploadDeps& deps, FileRecord file, UploadGrant grant, std::string put_type,
            std::unique_ptr<BlobIngest> ingest, QuotaState quota)
      : deps_(deps),
        file_(std::move(file)),
        grant_(std::move(grant)),
        put_type_(std::move(put_type)),
        ingest_(std::move(ingest)),
        quota_(std::move(quota)) {}

  Status Append(std::string_view bytes) override {
    const uint64_t after = ingest_->size_bytes() + bytes.size();
    if (grant_.size_bytes && after > *grant_.size_bytes) return SizeMismatch(after);
    FILESD_RETURN_IF_ERROR(quota_.CheckGrowth(after));
    if (after > deps_.limits.max_file_bytes) return FileTooLarge(deps_.limits.max_file_bytes);
    return ingest_->Append(bytes);
  }

  uint64_t size_bytes() const override { return ingest_->size_bytes(); }

  Result<SignedPutResult> Finish() override {
    auto result = Adopt();
    if (!result.ok()) Abandon();
    return result;
  }

  void Abandon() override { ingest_->Abandon(); }

 private:
  Result<SignedPutResult> Adopt() {
    if (grant_.size_bytes && ingest_->size_bytes() != *grant_.size_bytes) {
      return SizeMismatch(ingest_->size_bytes());
    }
    FILESD_ASSIGN_OR_RETURN(BlobInfo blob, ingest_->Commit());
    const int64_t now = deps_.clock->NowSeconds();
    FileRecord updated = file_;
    updated.bytes = blob.size_bytes;
    updated.sha256 = blob.sha256_hex;
    updated.blob_key = ingest_->blob_key();
    updated.status = FileStatus::kUploaded;
    updated.status_details.reset();
    updated.updated_at = now;
    if (updated.mime_type == "application/octet-stream" &&
        put_type_.find('/') != std::string::npos) {
      updated.mime_type = put_type_;
    }
    FilePrecondition expect;
    expect.status = FileStatus::kPending;
    expect.blob_key = "";
    if (Status s = deps_.meta->UpdateFile(updated, expect, now); !s.ok()) {
      ingest_->AdoptionFailed(s);
      if (s.code() == StatusCode::kConflict) return AlreadyUploaded();
      if (s.code() == StatusCode::kNotFound) {
        return NotFound("the file was deleted or expired during the upload", "file_not_found");
      }
      return s;
    }
    ingest_->Adopted();
    return SignedPutResult{updated.id, grant_.storage_path, updated.bytes, *updated.sha256};
  }

  Status SizeMismatch(uint64_t got) const {
    return Forbidden("The upload does not match the size bound to this upload URL (" +
                         std::to_string(*grant_.size_bytes) + " bytes, got " +
                         (got > *grant_.size_bytes ? "more" : std::to_string(got)) + ")",
                     "size_mismatch");
  }

  const UploadDeps deps_;
  const FileRecord file_;
  const UploadGrant grant_;
  const std::string put_type_;
  const std::unique_ptr<BlobIngest> ingest_;
  const QuotaState quota_;  // at the start of the PUT; the store checks again when it commits
};

}  // namespace

PresignedUploads::PresignedUploads(UploadDeps deps, ConfirmWait wait)
    : deps_(deps), wait_(std::move(wait)) {
  if (!wait_.sleep) {
    wait_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
}

// ------------------------------------------------------------------------------------------------
// POST /v1/files/upload-url

Result<UploadUrl> PresignedUploads::CreateUploadUrl(const UploadUrlRequest& request) const {
  FILESD_RETURN_IF_ERROR(ValidateFilename(request.filename, "filename"));
  const uint64_t max_bytes = deps_.limits.max_file_bytes;
  if (request.file_size && *request.file_size > max_bytes) {
    return WithReason(StatusCode::kInvalidArgument,
                      "file_size is over the limit of " + std::to_string(max_bytes) + " bytes",
                      kReasonFileTooLarge);
  }
  if (request.content_type && (!IsBindableContentType(*request.content_type) ||
                               !ParseMediaType(*request.content_type))) {
    return InvalidArgument(
               "content_type must be a media type (type/subtype, optional parameters) of at most "
               "255 printable ASCII characters")
        .WithParam("content_type");
  }
  FILESD_RETURN_IF_ERROR(CheckPurpose(request.purpose));
  const int64_t now = deps_.clock->NowSeconds();

  // Quotas (API.md section 8): the new file must fit, with its declared size if there is one. The
  // PUT checks again against the usage of its time.
  FILESD_ASSIGN_OR_RETURN(QuotaState quota, LoadQuotaState(*deps_.meta, request.project_id, now));
  FILESD_RETURN_IF_ERROR(quota.CheckNewFile(request.file_size.value_or(0)));

  FileRecord f;
  f.id = NewUuidV4();
  f.project_id = request.project_id;
  f.filename = request.filename;
  f.purpose = request.purpose;
  f.bytes = 0;
  f.status = FileStatus::kPending;
  f.mime_type = request.content_type && request.content_type->find('/') != std::string::npos
                    ? *request.content_type
                    : MediaTypeForFilename(request.filename);
  f.created_at = now;
  f.updated_at = now;
  if (request.expires_after_seconds) f.expires_at = now + *request.expires_after_seconds;
  FILESD_RETURN_IF_ERROR(deps_.meta->CreateFile(f));

  UploadGrant grant;
  grant.project_id = request.project_id;
  grant.file_id = f.id;
  grant.storage_path = StoragePathFor(f.id, request.filename);
  grant.expires_at = now + deps_.limits.upload_url_ttl_seconds;
  grant.size_bytes = request.file_size;
  grant.content_type = request.content_type;
  return UploadUrl{f.id, deps_.url_signer->SignedTarget(grant), grant.storage_path,
                   grant.expires_at};
}

// ------------------------------------------------------------------------------------------------
// PUT <signed URL>

Result<std::unique_ptr<SignedPutSink>> PresignedUploads::StartSignedPut(
    const SignedPutRequest& request) const {
  const int64_t now = deps_.clock->NowSeconds();
  // The signature, the expiry and every binding are settled here, from the header alone.
  FILESD_ASSIGN_OR_RETURN(UploadGrant grant, deps_.url_signer->Verify(request.target, now));
  const uint64_t declared = request.content_length.value_or(0);
  if (grant.size_bytes && request.content_length && declared != *grant.size_bytes) {
    return Forbidden("Content-Length " + std::to_string(declared) +
                         " does not match the size bound to this upload URL (" +
                         std::to_string(*grant.size_bytes) + " bytes)",
                     "size_mismatch");
  }
  if (grant.content_type && !MediaTypeSatisfies(*grant.content_type, request.content_type)) {
    return Forbidden("Content-Type does not match the type bound to this upload URL (" +
                         *grant.content_type + ")",
                     "content_type_mismatch");
  }
  if (declared > deps_.limits.max_file_bytes) return FileTooLarge(deps_.limits.max_file_bytes);
  auto file = deps_.meta->GetFile(grant.project_id, grant.file_id, now);
  if (!file.ok()) {
    if (file.status().code() == StatusCode::kNotFound) {
      return NotFound("the file of this upload URL was deleted or has expired", "file_not_found");
    }
    return file.status();
  }
  if (file->status != FileStatus::kPending) return AlreadyUploaded();
  // Quotas: refused from Content-Length before any byte is stored, or as soon as a streamed body
  // passes the room left.
  FILESD_ASSIGN_OR_RETURN(QuotaState quota, LoadQuotaState(*deps_.meta, grant.project_id, now));
  FILESD_RETURN_IF_ERROR(quota.CheckGrowth(declared));
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobIngest> ingest,
                          BlobIngest::Start(deps_, blob_keys::NewContentKey(file->id)));
  return std::unique_ptr<SignedPutSink>(
      new SignedPut(deps_, std::move(file).value(), std::move(grant), request.content_type,
                    std::move(ingest), std::move(quota)));
}

// ------------------------------------------------------------------------------------------------
// POST /v1/files/confirm-upload

// Records the refusal on `file` (as read, status uploaded or processed): status error, details
// "<words>: <message>", no metadata. The file stays stored, listed and counted until deleted;
// confirming it again answers the same. When the file changed meanwhile, answers what it is now.
Result<FileRecord> PresignedUploads::Refuse(const FileRecord& file, std::string_view reason,
                                            std::string message) const {
  const int64_t now = deps_.clock->NowSeconds();
  FileRecord refused = file;
  refused.status = FileStatus::kError;
  refused.status_details = std::string(RefusalWordsOf(reason)) + ": " + message;
  refused.metadata_json.reset();
  refused.processing_summary.reset();
  refused.processed_at.reset();
  refused.updated_at = now;
  FilePrecondition expect;
  expect.status = file.status;
  expect.blob_key = file.blob_key;
  if (Status s = deps_.meta->UpdateFile(refused, expect, now); !s.ok()) {
    if (s.code() == StatusCode::kNotFound) return NotInStorage("the file was deleted meanwhile");
    if (s.code() == StatusCode::kConflict) return FileChangedMeanwhile();
    return s;
  }
  return OutcomeOf(refused);
}

// The file with expires_at = created_at + seconds (one conditional update when that changes it).
Result<FileRecord> PresignedUploads::SetExpiry(const FileRecord& file, int64_t seconds) const {
  const int64_t now = deps_.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(int64_t at, ExpiryFromCreation(file.created_at, seconds, now));
  if (file.expires_at == at) return file;
  FileRecord updated = file;
  updated.expires_at = at;
  updated.updated_at = now;
  FilePrecondition expect;
  expect.status = file.status;
  expect.blob_key = file.blob_key;
  if (Status s = deps_.meta->UpdateFile(updated, expect, now); !s.ok()) {
    return s.code() == StatusCode::kConflict ? FileChangedMeanwhile() : s;
  }
  return updated;
}

// Analyses an uploaded file, or waits for the analysis another request is running, so a client
// that retries a confirm whose answer it lost gets the result rather than 409.
Result<FileRecord> PresignedUploads::AnalyzeOrAwait(const FileRecord& file,
                                                    const std::string& project_id) const {
  FileRecord done = file;
  if (done.status == FileStatus::kUploaded || done.status == FileStatus::kProcessing) {
    auto analyzed = deps_.analyzer->Analyze(done);
    if (!analyzed.ok()) {
      if (analyzed.status().code() == StatusCode::kNotFound) {
        return NotInStorage("the file was deleted meanwhile");
      }
      return analyzed.status();
    }
    done = std::move(analyzed).value();
  }
  for (auto waited = std::chrono::milliseconds(0);
       done.status == FileStatus::kProcessing && waited < wait_.timeout; waited += wait_.poll) {
    wait_.sleep(wait_.poll);
    auto again = deps_.meta->GetFile(project_id, done.id, deps_.clock->NowSeconds());
    if (!again.ok()) {
      if (again.status().code() == StatusCode::kNotFound) {
        return NotInStorage("the file was deleted meanwhile");
      }
      return again.status();
    }
    done = std::move(again).value();
  }
  return done;
}

Result<FileRecord> PresignedUploads::Confirm(const ConfirmRequest& request) const {
  // The detail names the id only when it is one (upload_checks.h NoSuchFile).
  if (!IsUuid(request.file_id)) return NotInStorage(NoSuchFile(request.file_id).message());
  auto file = deps_.meta->GetFile(request.project_id, request.file_id, deps_.clock->NowSeconds());
  if (!file.ok()) {
    if (file.status().code() == StatusCode::kNotFound) {
      return NotInStorage(NoSuchFile(request.file_id).message());
    }
    return file.status();
  }
  if (file->status == FileStatus::kPending || file->status == FileStatus::kUploading ||
      file->blob_key.empty()) {
    return NotInStorage(
        "the content of this file has not been uploaded yet; PUT it to the upload URL first");
  }
  if (request.file_size != file->bytes) {
    return WithReason(StatusCode::kInvalidArgument,
                      "file_size is " + std::to_string(request.file_size) +
                          " but the uploaded content has " + std::to_string(file->bytes) +
                          " bytes",
                      kReasonFileSizeMismatch);
  }
  if (request.sha256 && !(file->sha256 && AsciiIEquals(*request.sha256, *file->sha256))) {
    return WithReason(StatusCode::kInvalidArgument,
                      "sha256 does not match the digest of the uploaded content",
                      kReasonChecksumMismatch);
  }
  FileRecord done = *file;
  // Over the limit (lowered since the upload): refused before it is analysed. A file already
  // confirmed keeps its result.
  const uint64_t max_bytes = deps_.limits.max_file_bytes;
  if (done.status == FileStatus::kUploaded && done.bytes > max_bytes) {
    return Refuse(done, kReasonFileTooLarge,
                  "the file is over the limit of " + std::to_string(max_bytes) + " bytes");
  }
  if (request.expires_after_seconds) {
    FILESD_ASSIGN_OR_RETURN(done, SetExpiry(done, *request.expires_after_seconds));
  }
  FILESD_ASSIGN_OR_RETURN(done, AnalyzeOrAwait(done, request.project_id));
  // An unsupported type is known once analysed (any type is stored and analysed; this flow accepts
  // only the supported ones). The refusal is recorded on a file this flow analysed (here or in a
  // concurrent confirm); a file that arrived processed by another flow (POST /v1/files accepts any
  // type) is refused all the same, but keeps its state.
  if (done.status == FileStatus::kProcessed && AnalyzedType(done) == "binary") {
    std::string message =
        "the content is not a supported type (" + std::string(kSupportedTypes) + ")";
    if (file->status != FileStatus::kUploaded && file->status != FileStatus::kProcessing) {
      return WithReason(StatusCode::kInvalidArgument, std::move(message), kReasonInvalidFileType);
    }
    return Refuse(done, kReasonInvalidFileType, std::move(message));
  }
  return OutcomeOf(done);
}

std::string AnalyzedType(const FileRecord& f) {
  if (!f.metadata_json) return "";
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*f.metadata_json, ec);
  if (ec || !v.is_object()) return "";
  const boost::json::value* t = v.as_object().if_contains("type");
  return t != nullptr && t->is_string() ? std::string(t->as_string()) : "";
}

}  // namespace filesd
