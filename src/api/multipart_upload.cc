#include "api/multipart_upload.h"

#include "api/expires_after.h"
#include "api/file_json.h"
#include "api/json_response.h"
#include "api/parse/multipart_parser.h"
#include "upload/upload_checks.h"

namespace filesd {
namespace {

constexpr size_t kMaxTextFieldBytes = 1024;

class MultipartUpload final : public BodyConsumer, private MultipartHandler {
 public:
  MultipartUpload(const RequestContext& ctx, std::string boundary, FileUploadTicket ticket)
      : uploads_(*ctx.services.file_uploads),
        ticket_(std::move(ticket)),
        envelope_(ctx.envelope),
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
      if (sink_) return InvalidArgument("only one 'file' part is allowed").WithParam("file");
      if (!h.filename) {
        return InvalidArgument("the 'file' part must carry a filename").WithParam("file");
      }
      FILESD_ASSIGN_OR_RETURN(
          sink_, uploads_.StartFile(ticket_, NewFileStart{*h.filename, h.content_type,
                                                          reserved_file_id_}));
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
        return sink_->Append(data);
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

  Result<FileRecord> Finish() {
    FILESD_RETURN_IF_ERROR(parser_.Finish());
    if (!sink_) return InvalidArgument("missing required parameter: 'file'").WithParam("file");
    if (!purpose_) {
      return InvalidArgument("missing required parameter: 'purpose'").WithParam("purpose");
    }
    // The flow checks the purpose too; checked here first so a form with a bad purpose and a bad
    // expiry names the purpose.
    FILESD_RETURN_IF_ERROR(CheckPurpose(*purpose_));
    NewFileFields fields{*purpose_, std::nullopt};
    if (expires_anchor_ || expires_seconds_) {
      FILESD_ASSIGN_OR_RETURN(fields.expires_after_seconds,
                              ExpiresAfterSecondsFromForm(expires_anchor_, expires_seconds_));
    }
    return sink_->Finish(fields);
  }

  void Abandon() {
    if (sink_) sink_->Abandon();
  }

  const FileUploads& uploads_;
  const FileUploadTicket ticket_;
  const ErrorEnvelope envelope_;
  const std::optional<std::string> reserved_file_id_;
  MultipartParser parser_;
  Field field_ = Field::kNone;
  std::string text_;
  std::optional<std::string> purpose_;
  std::optional<std::string> expires_anchor_;
  std::optional<std::string> expires_seconds_;
  std::unique_ptr<NewFileSink> sink_;
};

}  // namespace

Response CreatedFileAnswer(const FileRecord& file) { return JsonResponse(FileObject(file)); }

Result<std::unique_ptr<BodyConsumer>> NewMultipartUpload(const RequestContext& ctx,
                                                         FileUploadTicket ticket) {
  auto it = ctx.head.header.find(http::field::content_type);
  if (it == ctx.head.header.end()) {
    return InvalidArgument("Content-Type must be multipart/form-data with a boundary");
  }
  FILESD_ASSIGN_OR_RETURN(std::string boundary, BoundaryFromContentType(it->value()));
  return std::unique_ptr<BodyConsumer>(
      new MultipartUpload(ctx, std::move(boundary), std::move(ticket)));
}

}  // namespace filesd
