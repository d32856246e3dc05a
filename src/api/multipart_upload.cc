#include "api/multipart_upload.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "api/analyzer.h"
#include "api/expires_after.h"
#include "api/file_json.h"
#include "api/handler_util.h"
#include "api/http_names.h"
#include "api/json_response.h"
#include "api/parse/multipart_parser.h"
#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "upload/blob_ingest.h"
#include "upload/quota.h"

namespace filesd {
namespace {

constexpr size_t kMaxTextFieldBytes = 1024;

class MultipartUpload final : public BodyConsumer, private MultipartHandler {
 public:
  MultipartUpload(const RequestContext& ctx, std::string boundary,
                  QuotaState quota)
      : services_(ctx.services),
        quota_(std::move(quota)),
        project_id_(ctx.project_id),
        envelope_(ctx.envelope),
        now_(ctx.now),
        reserved_file_id_(ctx.reserved_file_id),
        parser_(std::move(boundary), this) {}

  Status OnData(std::string_view data) override { return parser_.Feed(data); }

  Response OnEnd() override {
    auto file = Finish();
    if (!file.ok()) {
      Abandon();
      return ErrorResponse(file.status(), envelope_);
    }
    return CreatedFileAnswer(*file);
  }

  void OnAbort() override { Abandon(); }

 private:
  enum class Field { kNone, kFile, kPurpose, kExpiresAnchor, kExpiresSeconds, kIgnored };

  Status OnPartBegin(const MultipartPartHeaders& h) override {
    text_.clear();
    if (h.name == "file") {
      if (ingest_) return InvalidArgument("only one 'file' part is allowed").WithParam("file");
      if (!h.filename) {
        return InvalidArgument("the 'file' part must carry a filename").WithParam("file");
      }
      filename_ = std::string(BaseName(*h.filename));
      FILESD_RETURN_IF_ERROR(ValidateFilename(filename_, "filename"));
      part_content_type_ = h.content_type;
      file_id_ = reserved_file_id_.value_or(NewUuidV4());
      auto ingest = BlobIngest::Start(services_.upload_deps(), blob_keys::NewContentKey(file_id_));
      if (!ingest.ok()) return ingest.status();
      ingest_ = std::move(ingest).value();
      field_ = Field::kFile;
    } else if (h.name == "purpose") {
      field_ = Field::kPurpose;
    } else if (h.name == "expires_after[anchor]") {
      field_ = Field::kExpiresAnchor;
    } else if (h.name == "expires_after[seconds]") {
      field_ = Field::kExpiresSeconds;
    } else {
      field_ = Field::kIgnored;  // unknown fields are ignored, as OpenAI does; their bytes dropped
    }
    return Status::Ok();
  }

  Status OnPartData(std::string_view data) override {
    switch (field_) {
      case Field::kFile:
        if (ingest_->size_bytes() + data.size() > services_.options.max_file_bytes) {
          return PayloadTooLarge("file is larger than the limit of " +
                                     std::to_string(services_.options.max_file_bytes) + " bytes",
                                 "file_too_large");
        }
        FILESD_RETURN_IF_ERROR(quota_.CheckNewFile(ingest_->size_bytes() + data.size()));
        return ingest_->Append(data);
      case Field::kIgnored:
      case Field::kNone:
        return Status::Ok();
      default:
        if (text_.size() + data.size() > kMaxTextFieldBytes) {
          return InvalidArgument("form field is longer than 1024 bytes");
        }
        text_.append(data);
        return Status::Ok();
    }
  }

  Status OnPartEnd() override {
    switch (field_) {
      case Field::kPurpose: purpose_ = text_; break;
      case Field::kExpiresAnchor: expires_anchor_ = text_; break;
      case Field::kExpiresSeconds: expires_seconds_ = text_; break;
      default: break;
    }
    field_ = Field::kNone;
    return Status::Ok();
  }

  Result<std::optional<int64_t>> ExpiresAt() const {
    if (!expires_anchor_ && !expires_seconds_) return std::optional<int64_t>();
    FILESD_ASSIGN_OR_RETURN(int64_t seconds,
                            ExpiresAfterSecondsFromForm(expires_anchor_, expires_seconds_));
    return std::optional<int64_t>(now_ + seconds);
  }

  Result<FileRecord> Finish() {
    FILESD_RETURN_IF_ERROR(parser_.Finish());
    if (!ingest_) return InvalidArgument("missing required parameter: 'file'").WithParam("file");
    if (!purpose_) {
      return InvalidArgument("missing required parameter: 'purpose'").WithParam("purpose");
    }
    if (!IsKnownPurpose(*purpose_)) {
      return UnknownPurpose();
    }
    FILESD_ASSIGN_OR_RETURN(std::optional<int64_t> expires_at, ExpiresAt());
    FILESD_ASSIGN_OR_RETURN(BlobInfo blob, ingest_->Commit());
    // CreateFile applies the quotas once more, atomically with the usage of its moment.

    FileRecord f;
    f.id = file_id_;
    f.project_id = project_id_;
    f.filename = filename_;
    f.purpose = *purpose_;
    f.bytes = blob.size_bytes;
    f.status = FileStatus::kUploaded;
    f.mime_type = MediaTypeForFilename(filename_);
    if (f.mime_type == "application/octet-stream" && !part_content_type_.empty()) {
      f.mime_type = part_content_type_;
    }
    f.sha256 = blob.sha256_hex;
    f.blob_key = ingest_->blob_key();
    f.created_at = now_;
    f.updated_at = now_;
    f.expires_at = expires_at;
    FILESD_RETURN_IF_ERROR(services_.meta->CreateFile(f));
    ingest_->Adopted();
    return services_.analyzer->Analyze(f);
  }

  void Abandon() {
    if (ingest_) ingest_->Abandon();
  }

  const Services& services_;
  const QuotaState quota_;  // at the start of the request; CreateFile checks again
  std::string project_id_;
  ErrorEnvelope envelope_;
  int64_t now_;
  const std::optional<std::string> reserved_file_id_;
  MultipartParser parser_;
  Field field_ = Field::kNone;
  std::string text_;
  std::string file_id_;
  std::string filename_;
  std::string part_content_type_;
  std::optional<std::string> purpose_;
  std::optional<std::string> expires_anchor_;
  std::optional<std::string> expires_seconds_;
  std::unique_ptr<BlobIngest> ingest_;
};

}  // namespace

Response CreatedFileAnswer(const FileRecord& file) {
  return JsonResponse(FileObject(file));
}

Result<std::unique_ptr<BodyConsumer>> NewMultipartUpload(const RequestContext& ctx,
                                                         QuotaState quota) {
  auto it = ctx.head.header.find(http::field::content_type);
  if (it == ctx.head.header.end()) {
    return InvalidArgument("Content-Type must be multipart/form-data with a boundary");
  }
  FILESD_ASSIGN_OR_RETURN(std::string boundary, BoundaryFromContentType(it->value()));
  return std::unique_ptr<BodyConsumer>(new MultipartUpload(ctx, std::move(boundary), std::move(quota)));
}

}  // namespace filesd
