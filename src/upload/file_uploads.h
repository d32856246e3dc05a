// FileUploads: POST /v1/files (API.md section 3) without HTTP. The multipart handler
// (api/multipart_upload.cc) only parses the form and feeds the `file` part's bytes to a NewFileSink.
//
//   Admit()      what the request header decides: the project's quotas, with the least file size
//                the Content-Length implies (refused before any byte is read).
//   StartFile()  the `file` part begins: the filename is checked and a fresh blob is opened
//                (BlobIngest: an intent first, so a crash leaves nothing the janitor cannot find).
//   Append()     refuses past the size limit (413 file_too_large) or the room the quotas leave (429).
//   Finish()     with the form's other fields: validates them, commits the blob and creates the file
//                row in one transaction (which applies the quotas again), then runs the analysis.
// A sink destroyed unfinished, or abandoned, leaves nothing behind.
// Thread-safe: FileUploads holds only UploadDeps; each sink is used by one request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "meta/records.h"
#include "upload/quota.h"
#include "upload/upload_deps.h"

namespace filesd {

class BlobIngest;

// What Admit() settled for one request; StartFile() takes it.
struct FileUploadTicket {
  std::string project_id;
  int64_t now = 0;   // the request's time: the file's created_at
  QuotaState quota;  // usage and quotas when the request began
};

struct NewFileStart {
  std::string filename;       // as the client sent it; its base name is kept and validated
  std::string content_type;   // of the part; used when the extension says nothing
  std::optional<std::string> file_id;  // reserved by Idempotency-Key, else a new one
};

// The form fields that may follow the file part.
struct NewFileFields {
  std::string purpose;                           // validated (CheckPurpose)
  std::optional<int64_t> expires_after_seconds;  // already in range (api/expires_after.h)
};

// The ContentSink shape (upload/content_sink.h) with Finish(fields): the fields may arrive after
// the bytes.
class NewFileSink {
 public:
  virtual ~NewFileSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
  virtual uint64_t size_bytes() const = 0;
  // The created file as the analysis left it. Once.
  virtual Result<FileRecord> Finish(const NewFileFields& fields) = 0;
  virtual void Abandon() = 0;  // idempotent
};

class FileUploads {
 public:
  explicit FileUploads(UploadDeps deps) : deps_(deps) {}

  // kResourceExhausted if the project's file count is full or `least_file_bytes` do not fit.
  Result<FileUploadTicket> Admit(const std::string& project_id, uint64_t least_file_bytes) const;

  // kInvalidArgument (param "filename") for a bad filename; store errors.
  Result<std::unique_ptr<NewFileSink>> StartFile(const FileUploadTicket& ticket,
                                                 const NewFileStart& start) const;

 private:
  UploadDeps deps_;
};

}  // namespace filesd
