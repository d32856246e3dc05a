#include "upload/file_uploads.h"

#include "analysis/file_analyzer.h"
#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "upload/blob_ingest.h"
#include "upload/file_names.h"
#include "upload/upload_checks.h"

namespace filesd {
namespace {

class NewFile final : public NewFileSink {
 public:
  NewFile(const UploadDeps& deps, FileUploadTicket ticket, std::string file_id,
          std::string filename, std::string part_type, std::unique_ptr<BlobIngest> ingest)
      : deps_(deps),
        ticket_(std::move(ticket)),
        file_id_(std::move(file_id)),
        filename_(std::move(filename)),
        part_type_(std::move(part_type)),
        ingest_(std::move(ingest)) {}

  Status Append(std::string_view bytes) override {
    const uint64_t after = ingest_->size_bytes() + bytes.size();
    if (after > deps_.limits.max_file_bytes) return FileTooLarge(deps_.limits.max_file_bytes);
    FILESD_RETURN_IF_ERROR(ticket_.quota.CheckNewFile(after));
    return ingest_->Append(bytes);
  }

  uint64_t size_bytes() const override { return ingest_->size_bytes(); }

  Result<FileRecord> Finish(const NewFileFields& fields) override {
    auto file = Create(fields);
    if (!file.ok()) {
      Abandon();
      return file;
    }
    return deps_.analyzer->Analyze(*file);
  }

  void Abandon() override { ingest_->Abandon(); }

 private:
  Result<FileRecord> Create(const NewFileFields& fields) {
    FILESD_RETURN_IF_ERROR(CheckPurpose(fields.purpose));
    FILESD_ASSIGN_OR_RETURN(BlobInfo blob, ingest_->Commit());
    FileRecord f;
    f.id = file_id_;
    f.project_id = ticket_.project_id;
    f.filename = filename_;
    f.purpose = fields.purpose;
    f.bytes = blob.size_bytes;
    f.status = FileStatus::kUploaded;
    f.mime_type = MediaTypeForFilename(filename_);
    if (f.mime_type == "application/octet-stream" && !part_type_.empty()) f.mime_type = part_type_;
    f.sha256 = blob.sha256_hex;
    f.blob_key = ingest_->blob_key();
    f.created_at = ticket_.now;
    f.updated_at = ticket_.now;
    if (fields.expires_after_seconds) f.expires_at = ticket_.now + *fields.expires_after_seconds;
    // CreateFile applies the quotas once more, atomically with the usage of its moment.
    if (Status s = deps_.meta->CreateFile(f); !s.ok()) {
      ingest_->AdoptionFailed(s);
      return s;
    }
    ingest_->Adopted();
    return f;
  }

  const UploadDeps deps_;
  const FileUploadTicket ticket_;
  const std::string file_id_;
  const std::string filename_;
  const std::string part_type_;
  const std::unique_ptr<BlobIngest> ingest_;
};

}  // namespace

Result<FileUploadTicket> FileUploads::Admit(const std::string& project_id,
                                            uint64_t least_file_bytes) const {
  FileUploadTicket ticket;
  ticket.project_id = project_id;
  ticket.now = deps_.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(ticket.quota, LoadQuotaState(*deps_.meta, project_id, ticket.now));
  FILESD_RETURN_IF_ERROR(ticket.quota.CheckNewFile(least_file_bytes));
  return ticket;
}

Result<std::unique_ptr<NewFileSink>> FileUploads::StartFile(const FileUploadTicket& ticket,
                                                            const NewFileStart& start) const {
  std::string filename(BaseName(start.filename));
  FILESD_RETURN_IF_ERROR(ValidateFilename(filename, "filename"));
  std::string file_id = start.file_id.value_or(NewUuidV4());
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobIngest> ingest,
                          BlobIngest::Start(deps_, blob_keys::NewContentKey(file_id)));
  return std::unique_ptr<NewFileSink>(new NewFile(deps_, ticket, std::move(file_id),
                                                  std::move(filename), start.content_type,
                                                  std::move(ingest)));
}

}  // namespace filesd
