// Upload sessions (the JSON/Base64 seed) and OpenAI Uploads (API.md section 5).
//
// A session is a file row with status `uploading`. Two ways to fill it, never both:
//  * appends: PUT /v1/uploads/{id} {"data":"<base64>","offset":N}. Each append writes its bytes
//    after row.bytes in the blob (streamed as the body arrives, see AppendConsumer), makes them
//    durable (fdatasync), then moves the size with a conditional UpdateFile(bytes = old + n,
//    precondition bytes == old, status uploading). The metadata size is the truth: a crash or a
//    refusal before the update leaves a tail beyond row.bytes that readers never see (FileContent
//    caps at row.bytes) and that the next append cuts. An acknowledged chunk survives a crash.
//  * parts: POST /v1/uploads/{id}/parts stages each part in its own blob plus an upload_parts row;
//    complete assembles the listed parts, in order, into a fresh blob adopted in one UpdateFile.
// Only one request at a time writes a session's blob (appends, complete, cancel: the session's
// writer slot, api/session_writers.h), and every state change of one session (append, part
// registration, complete, cancel) runs under a per-session mutex (striped by file id) from
// reading the row to writing it; the conditional update detects anything else.
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "api/analyzer.h"
#include "api/expires_after.h"
#include "api/file_json.h"
#include "api/handler_util.h"
#include "api/handlers.h"
#include "api/http_names.h"
#include "upload/blob_ingest.h"
#include "api/json_body.h"
#include "api/json_response.h"
#include "api/parse/base64_chunk_reader.h"
#include "api/parse/multipart_parser.h"
#include "upload/quota.h"
#include "api/session_writers.h"
#include "base/crypto.h"
#include "blob/blob_keys.h"

namespace filesd::handlers {
namespace {

namespace json = boost::json;

// The seed's chunk limit: 5 MiB of decoded bytes per append.
constexpr uint64_t kMaxChunkBytes = 5u << 20;
// Base64 of a full chunk, plus room for line breaks inside the Base64 (MIME-style, 2 per 76) and
// the JSON around it. A larger Content-Length is refused before any byte is read.
constexpr uint64_t kMaxChunkBase64Bytes = (kMaxChunkBytes + 2) / 3 * 4;
constexpr uint64_t kMaxAppendBodyBytes = kMaxChunkBase64Bytes + kMaxChunkBase64Bytes / 32 + 65536;
// OpenAI's part limit, and the multipart framing allowed around it.
constexpr uint64_t kMaxPartBytes = 64u << 20;
constexpr uint64_t kPartOverheadBytes = 64u << 10;
constexpr size_t kCopyBufferBytes = 1u << 20;

// One mutex per stripe of session ids: held from reading a session's row to writing it.
std::mutex& SessionMutex(const std::string& file_id) {
  static std::array<std::mutex, 256> stripes;
  return stripes[std::hash<std::string>{}(file_id) % stripes.size()];
}

// "No such upload: <id>" for a UUID, "No such upload" otherwise (handler_util.h NoSuchFile).
Status NoSuchUpload(const std::string& id) {
  std::string message = "No such upload";
  if (IsUuid(id)) message += ": " + id;
  return NotFound(std::move(message), "upload_not_found").WithParam("upload_id");
}

// "part_<uuid>", the form AddUploadPart gives part ids.
bool IsPartId(std::string_view id) {
  constexpr std::string_view kPrefix = "part_";
  return id.starts_with(kPrefix) && IsUuid(id.substr(kPrefix.size()));
}

Status SessionClosed(const std::string& id) {
  return Conflict("upload " + id + " is no longer open (completed or cancelled)", "upload_closed");
}

Status ModesMixed() {
  return Conflict("an upload uses either appended chunks or parts, not both", "upload_mode_conflict");
}

// The visible session `id` of the project, or 404 (also for ids that are not UUIDs).
Result<FileRecord> LoadSession(const Services& s, const std::string& project_id,
                               const std::string& id, int64_t now) {
  if (!IsUuid(id)) return NoSuchUpload(id);
  auto f = s.meta->GetFile(project_id, id, now);
  if (!f.ok() && f.status().code() == StatusCode::kNotFound) return NoSuchUpload(id);
  return f;
}

// A conflict from the store on a session row means it changed under us (another process).
Status MapUpdateConflict(Status s) {
  if (s.code() == StatusCode::kConflict) {
    return Conflict("the upload changed meanwhile; read its size and retry", "upload_changed");
  }
  return s;
}

// Incremental MD5 (OpenAI's optional `md5` on complete), over OpenSSL EVP.
class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) {
    FILESD_CHECK(ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr) == 1);
  }
  ~Md5() { EVP_MD_CTX_free(ctx_); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void Update(std::string_view data) {
    FILESD_CHECK(EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1);
  }
  std::string FinishHex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    FILESD_CHECK(EVP_DigestFinal_ex(ctx_, out, &n) == 1);
    return HexEncode(std::string_view(reinterpret_cast<const char*>(out), n));
  }

 private:
  EVP_MD_CTX* ctx_;
};

bool IsHex(std::string_view s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- append ----

// How long an append, complete or cancel waits for another writer of the session to finish.
constexpr auto kWriterWait = std::chrono::seconds(30);

Status SessionBusy() {
  return Conflict("another request on this upload is still running; retry when it has ended",
                  "upload_busy");
}

// Whether `n` more bytes, offered with the client's `offset`, may be appended to the session `f`.
Status CheckAppend(const Services& s, const std::string& project_id, const FileRecord& f,
                   const std::optional<uint64_t>& offset, uint64_t n, int64_t now) {
  if (f.status != FileStatus::kUploading) return SessionClosed(f.id);
  if (offset && *offset != f.bytes) {
    return Conflict("offset " + std::to_string(*offset) + " does not match the current size " +
                        std::to_string(f.bytes) + " of upload " + f.id,
                    "offset_mismatch")
        .WithParam("offset");
  }
  if (f.bytes == 0) {
    // Parts are accepted only while bytes == 0, so only then can the session be in parts mode.
    FILESD_ASSIGN_OR_RETURN(std::vector<UploadPartRecord> parts, s.meta->ListUploadParts(f.id));
    if (!parts.empty()) return ModesMixed();
  }
  if (f.bytes + n > s.options.max_file_bytes) {
    return PayloadTooLarge("the upload would exceed the file size limit of " +
                               std::to_string(s.options.max_file_bytes) + " bytes",
                           "file_too_large");
  }
  if (n == 0) return Status::Ok();
  // Quotas, before the bytes count; UpdateFile applies them again atomically.
  FILESD_ASSIGN_OR_RETURN(QuotaState quota, LoadQuotaState(*s.meta, project_id, now));
  return quota.CheckGrowth(n);
}

// The blob holds `new_size` durable bytes: moves the session's recorded size there.
Result<FileRecord> RecordAppend(const Services& s, const FileRecord& f, uint64_t new_size,
                                int64_t now) {
  FileRecord updated = f;
  updated.bytes = new_size;
  updated.updated_at = now;
  FilePrecondition expect;
  expect.status = FileStatus::kUploading;
  expect.bytes = f.bytes;
  expect.blob_key = f.blob_key;
  FILESD_RETURN_IF_ERROR(MapUpdateConflict(s.meta->UpdateFile(updated, expect, now)));
  return updated;
}

// A store error from the blob of a session: kConflict there means the blob is shorter than the
// recorded size, which only damage can cause.
Status BlobFailure(Status s) {
  if (s.code() == StatusCode::kConflict) {
    return Internal("upload content is shorter than its recorded size: " + s.message());
  }
  return s;
}

// Appends one whole decoded chunk to the session (the chunk was buffered: another writer held the
// session while it arrived).
Result<FileRecord> AppendToSession(const Services& s, const std::string& project_id,
                                   const std::string& id, const ChunkBody& chunk) {
  AppendableBlobs* appendable = s.blobs->appendable();
  if (appendable == nullptr) {
    return Unavailable("the blob store cannot append in place", "appends_unsupported");
  }
  SessionWriters::Slot slot = SessionWriters::Instance().Acquire(id, kWriterWait);
  if (!slot.held()) return SessionBusy();
  std::lock_guard<std::mutex> lock(SessionMutex(id));
  const int64_t now = s.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(FileRecord f, LoadSession(s, project_id, id, now));
  FILESD_RETURN_IF_ERROR(CheckAppend(s, project_id, f, chunk.offset, chunk.data.size(), now));
  if (chunk.data.empty()) return f;
  auto size = appendable->AppendAt(f.blob_key, f.bytes, chunk.data);
  if (!size.ok()) return BlobFailure(size.status());
  return RecordAppend(s, f, *size, now);
}

// PUT /v1/uploads/{id}. When it can take the session's writer slot at its first bytes, it writes
// the decoded bytes into the session's blob as they arrive (after the recorded size: a torn tail
// until recorded), and at the end checks the append, syncs and records the new size: receiving,
// decoding and writing overlap, and only the sync waits at the end. Otherwise it buffers the chunk
// (at most 5 MiB) and appends it whole at the end, after the other writer.
class AppendConsumer final : public BodyConsumer {
 public:
  AppendConsumer(const RequestContext& ctx)
      : services_(ctx.services),
        project_id_(ctx.project_id),
        id_(ctx.params.at(0)),
        envelope_(ctx.envelope),
        reader_(kMaxChunkBytes) {}

  Status OnData(std::string_view data) override {
    if (!started_) {
      started_ = true;
      StartStreaming();
    }
    FILESD_RETURN_IF_ERROR(reader_.Feed(data));
    if (!appender_) return Status::Ok();
    FILESD_RETURN_IF_ERROR(WriteStreamed(reader_.decoded()));
    reader_.ConsumeDecoded();
    return Status::Ok();
  }

  Response OnEnd() override {
    auto chunk = reader_.Finish();
    if (!chunk.ok()) return ErrorResponse(chunk.status(), envelope_);
    auto f = appender_ ? FinishStreamed(*chunk)
                       : AppendToSession(services_, project_id_, id_, *chunk);
    if (!f.ok()) return ErrorResponse(f.status(), envelope_);
    // The seed's append answer: the file object with the new total `size` (API.md section 5).
    return JsonResponse(FileObject(*f));
  }

  // What a streamed append wrote is a torn tail beyond the recorded size: dropping the appender
  // and the slot is all there is to undo.
  void OnAbort() override {}

 private:
  // Takes the writer slot and opens the blob at the recorded size, if the session is open and in
  // appends mode; otherwise leaves the chunk to be buffered (the end reports any error).
  void StartStreaming() {
    AppendableBlobs* appendable = services_.blobs->appendable();
    if (appendable == nullptr) return;
    SessionWriters::Slot slot = SessionWriters::Instance().TryAcquire(id_);
    if (!slot.held()) return;
    const int64_t now = services_.clock->NowSeconds();
    auto f = LoadSession(services_, project_id_, id_, now);
    if (!f.ok() || !CheckAppend(services_, project_id_, *f, std::nullopt, 0, now).ok()) return;
    auto quota = LoadQuotaState(*services_.meta, project_id_, now);
    if (!quota.ok()) return;
    auto appender = appendable->StartAppend(f->blob_key, f->bytes);
    if (!appender.ok()) return;
    slot_ = std::move(slot);
    start_ = std::move(f).value();
    quota_ = std::move(quota).value();
    appender_ = std::move(appender).value();
  }

  // Streams decoded bytes, refusing as soon as a limit is passed.
  Status WriteStreamed(std::string_view bytes) {
    if (bytes.empty()) return Status::Ok();
    written_ += bytes.size();
    if (start_->bytes + written_ > services_.options.max_file_bytes) {
      return PayloadTooLarge("the upload would exceed the file size limit of " +
                                 std::to_string(services_.options.max_file_bytes) + " bytes",
                             "file_too_large");
    }
    FILESD_RETURN_IF_ERROR(quota_->CheckGrowth(written_));
    return BlobFailure(appender_->Write(bytes));
  }

  Result<FileRecord> FinishStreamed(const ChunkBody& rest) {
    FILESD_RETURN_IF_ERROR(WriteStreamed(rest.data));  // bytes not consumed yet, if any
    std::lock_guard<std::mutex> lock(SessionMutex(id_));
    const int64_t now = services_.clock->NowSeconds();
    FILESD_ASSIGN_OR_RETURN(FileRecord f, LoadSession(services_, project_id_, id_, now));
    // This request holds the session's writer slot, so the size cannot have moved; the check
    // is the conditional update's anyway.
    if (f.bytes != start_->bytes) return MapUpdateConflict(Conflict("size moved"));
    FILESD_RETURN_IF_ERROR(CheckAppend(services_, project_id_, f, rest.offset, written_, now));
    if (written_ == 0) return f;
    auto size = appender_->Sync();
    if (!size.ok()) return BlobFailure(size.status());
    return RecordAppend(services_, f, *size, now);
  }

  const Services& services_;
  std::string project_id_;
  std::string id_;
  ErrorEnvelope envelope_;
  Base64ChunkReader reader_;
  bool started_ = false;
  // Streaming state, set when the slot was taken at the first bytes.
  SessionWriters::Slot slot_;
  std::optional<FileRecord> start_;  // the session as it was then
  std::optional<QuotaState> quota_;
  std::unique_ptr<BlobAppender> appender_;
  uint64_t written_ = 0;
};

// ---- parts ----

class PartConsumer final : public BodyConsumer, private MultipartHandler {
 public:
  PartConsumer(const RequestContext& ctx, std::string boundary, QuotaState quota)
      : services_(ctx.services),
        project_id_(ctx.project_id),
        id_(ctx.params.at(0)),
        envelope_(ctx.envelope),
        limit_(std::min(kMaxPartBytes, ctx.services.options.max_file_bytes)),
        quota_(std::move(quota)),
        parser_(std::move(boundary), this) {}

  Status OnData(std::string_view data) override { return parser_.Feed(data); }

  Response OnEnd() override {
    auto part = Finish();
    if (!part.ok()) {
      if (ingest_) ingest_->Abandon();
      return ErrorResponse(part.status(), envelope_);
    }
    json::object o;
    o["id"] = part->id;
    o["object"] = "upload.part";
    o["created_at"] = part->created_at;
    o["upload_id"] = id_;
    return JsonResponse(o);
  }

  void OnAbort() override {
    if (ingest_) ingest_->Abandon();
  }

 private:
  Status OnPartBegin(const MultipartPartHeaders& h) override {
    in_data_ = false;
    if (h.name != "data") return Status::Ok();  // other fields are ignored, as OpenAI does
    if (ingest_) return InvalidArgument("only one 'data' part is allowed").WithParam("data");
    FILESD_ASSIGN_OR_RETURN(
        ingest_, BlobIngest::Start(services_.upload_deps(), blob_keys::NewContentKey(id_)));
    in_data_ = true;
    return Status::Ok();
  }

  Status OnPartData(std::string_view data) override {
    if (!in_data_) return Status::Ok();
    if (ingest_->size_bytes() + data.size() > limit_) {
      return PayloadTooLarge("a part may hold at most " + std::to_string(limit_) + " bytes",
                             "part_too_large");
    }
    // A part that alone cannot fit the quota is refused as soon as its bytes pass the room left.
    FILESD_RETURN_IF_ERROR(quota_.CheckGrowth(ingest_->size_bytes() + data.size()));
    return ingest_->Append(data);
  }

  Status OnPartEnd() override {
    in_data_ = false;
    return Status::Ok();
  }

  Result<UploadPartRecord> Finish() {
    FILESD_RETURN_IF_ERROR(parser_.Finish());
    if (!ingest_) return InvalidArgument("missing required parameter: 'data'").WithParam("data");
    FILESD_ASSIGN_OR_RETURN(BlobInfo blob, ingest_->Commit());
    UploadPartRecord part;
    part.id = "part_" + NewUuidV4();
    part.file_id = id_;
    part.bytes = blob.size_bytes;
    part.blob_key = ingest_->blob_key();
    const int64_t now = services_.clock->NowSeconds();
    part.created_at = now;
    {
      // Registering a part and an append's mode check must not interleave.
      std::lock_guard<std::mutex> lock(SessionMutex(id_));
      Status s = services_.meta->AddUploadPart(project_id_, part, now);
      if (s.code() == StatusCode::kNotFound) return NoSuchUpload(id_);
      if (s.code() == StatusCode::kConflict) {
        auto f = LoadSession(services_, project_id_, id_, now);
        if (f.ok() && f->status == FileStatus::kUploading) return ModesMixed();
        return SessionClosed(id_);
      }
      FILESD_RETURN_IF_ERROR(s);
    }
    ingest_->Adopted();
    return part;
  }

  const Services& services_;
  std::string project_id_;
  std::string id_;
  ErrorEnvelope envelope_;
  uint64_t limit_;
  const QuotaState quota_;  // at the start of the request
  MultipartParser parser_;
  bool in_data_ = false;
  std::unique_ptr<BlobIngest> ingest_;
};

// ---- complete ----

struct CompleteRequest {
  std::optional<std::string> sha256;  // lowercase hex
  std::optional<std::string> md5;     // lowercase hex
  std::optional<std::vector<std::string>> part_ids;
  std::optional<int64_t> expires_after_seconds;  // the completed file's own time to live
};

Result<CompleteRequest> ParseComplete(const json::object& body) {
  CompleteRequest req;
  if (const json::value* v = body.if_contains("sha256"); v != nullptr && !v->is_null()) {
    if (!v->is_string() || !IsHex(v->as_string(), 64)) {
      return InvalidArgument("sha256 must be 64 hex digits").WithParam("sha256");
    }
    req.sha256 = Lower(v->as_string());
  }
  if (const json::value* v = body.if_contains("md5"); v != nullptr && !v->is_null()) {
    if (!v->is_string() || !IsHex(v->as_string(), 32)) {
      return InvalidArgument("md5 must be 32 hex digits").WithParam("md5");
    }
    req.md5 = Lower(v->as_string());
  }
  if (const json::value* v = body.if_contains("part_ids"); v != nullptr && !v->is_null()) {
    if (!v->is_array()) return InvalidArgument("part_ids must be an array").WithParam("part_ids");
    std::vector<std::string> ids;
    for (const json::value& e : v->as_array()) {
      if (!e.is_string()) {
        return InvalidArgument("part_ids must hold part id strings").WithParam("part_ids");
      }
      ids.emplace_back(e.as_string());
    }
    req.part_ids = std::move(ids);
  }
  if (const json::value* v = body.if_contains("expires_after"); v != nullptr && !v->is_null()) {
    FILESD_ASSIGN_OR_RETURN(req.expires_after_seconds, ExpiresAfterSeconds(*v));
  }
  return req;
}

// Streams [0, size) of `key` into the digests (and `sink`, if set).
Status StreamBlob(const Services& s, const std::string& key, uint64_t size, Sha256* sha,
                  Md5* md5, BlobIngest* sink) {
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, s.blobs->NewReader(key));
  if (reader->size_bytes() < size) return Internal("content is shorter than its recorded size");
  std::string buf(kCopyBufferBytes, '\0');
  uint64_t offset = 0;
  while (offset < size) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - offset));
    FILESD_ASSIGN_OR_RETURN(size_t n, reader->ReadAt(offset, std::span<char>(buf.data(), want)));
    if (n == 0) return Internal("content ended before its recorded size");
    const std::string_view piece(buf.data(), n);
    if (sha != nullptr) sha->Update(piece);
    if (md5 != nullptr) md5->Update(piece);
    if (sink != nullptr) FILESD_RETURN_IF_ERROR(sink->Append(piece));
    offset += n;
  }
  return Status::Ok();
}

Result<FileRecord> CompleteSession(const Services& s, const std::string& project_id,
                                   const std::string& id, const CompleteRequest& req) {
  SessionWriters::Slot slot = SessionWriters::Instance().Acquire(id, kWriterWait);
  if (!slot.held()) return SessionBusy();
  std::lock_guard<std::mutex> lock(SessionMutex(id));
  const int64_t now = s.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(FileRecord f, LoadSession(s, project_id, id, now));
  if (f.status != FileStatus::kUploading) return SessionClosed(id);
  FILESD_ASSIGN_OR_RETURN(std::vector<UploadPartRecord> parts, s.meta->ListUploadParts(id));
  const bool parts_mode = !parts.empty() || (req.part_ids && !req.part_ids->empty() && f.bytes == 0);

  FileRecord updated = f;
  if (req.expires_after_seconds) {
    FILESD_ASSIGN_OR_RETURN(updated.expires_at,
                            ExpiryFromCreation(f.created_at, *req.expires_after_seconds, now));
  }
  std::optional<Md5> md5;
  if (req.md5) md5.emplace();
  std::unique_ptr<BlobIngest> ingest;
  if (parts_mode) {
    if (!req.part_ids) {
      return InvalidArgument("part_ids is required to complete an upload made of parts")
          .WithParam("part_ids");
    }
    std::map<std::string, const UploadPartRecord*> by_id;
    for (const UploadPartRecord& p : parts) by_id[p.id] = &p;
    std::set<std::string> seen;
    std::vector<const UploadPartRecord*> chosen;
    uint64_t total = 0;
    for (const std::string& pid : *req.part_ids) {
      auto it = by_id.find(pid);
      if (it == by_id.end()) {
        return InvalidArgument(IsPartId(pid) ? "part " + pid + " is not a part of upload " + id
                                             : "part_ids lists a value that is not a part id")
            .WithParam("part_ids");
      }
      if (!seen.insert(pid).second) {
        return InvalidArgument("part " + pid + " is listed twice").WithParam("part_ids");
      }
      chosen.push_back(it->second);
      total += it->second->bytes;
    }
    if (total > s.options.max_file_bytes) {
      return PayloadTooLarge("the parts add up to more than the file size limit of " +
                                 std::to_string(s.options.max_file_bytes) + " bytes",
                             "file_too_large");
    }
    // Quotas, before the parts are copied; UpdateFile applies them again atomically.
    FILESD_ASSIGN_OR_RETURN(QuotaState quota, LoadQuotaState(*s.meta, project_id, now));
    FILESD_RETURN_IF_ERROR(quota.CheckGrowth(total));
    FILESD_ASSIGN_OR_RETURN(ingest,
                            BlobIngest::Start(s.upload_deps(), blob_keys::NewContentKey(id)));
    for (const UploadPartRecord* p : chosen) {
      FILESD_RETURN_IF_ERROR(
          StreamBlob(s, p->blob_key, p->bytes, nullptr, md5 ? &*md5 : nullptr, ingest.get()));
    }
    FILESD_ASSIGN_OR_RETURN(BlobInfo blob, ingest->Commit());
    updated.bytes = blob.size_bytes;
    updated.sha256 = blob.sha256_hex;
    updated.blob_key = ingest->blob_key();
  } else {
    if (req.part_ids && !req.part_ids->empty()) return ModesMixed();
    AppendableBlobs* appendable = s.blobs->appendable();
    if (appendable == nullptr) {
      return Unavailable("the blob store cannot append in place", "appends_unsupported");
    }
    // Cuts a torn tail a crash may have left (and creates the blob of an empty upload), so the
    // final content is exactly the acknowledged bytes.
    auto size = appendable->AppendAt(f.blob_key, f.bytes, {});
    if (!size.ok()) {
      if (size.status().code() == StatusCode::kConflict) {
        return Internal("upload content is shorter than its recorded size");
      }
      return std::move(size).TakeStatus();
    }
    Sha256 sha;
    FILESD_RETURN_IF_ERROR(
        StreamBlob(s, f.blob_key, f.bytes, &sha, md5 ? &*md5 : nullptr, nullptr));
    updated.sha256 = sha.FinishHex();
  }
  if (req.sha256 && *req.sha256 != *updated.sha256) {
    return InvalidArgument("sha256 does not match the content (" + *updated.sha256 +
                               "); the upload stays open",
                           "checksum_mismatch")
        .WithParam("sha256");
  }
  if (md5) {
    const std::string got = md5->FinishHex();
    if (got != *req.md5) {
      return InvalidArgument("md5 does not match the content (" + got + "); the upload stays open",
                             "checksum_mismatch")
          .WithParam("md5");
    }
  }
  updated.status = FileStatus::kUploaded;
  updated.updated_at = now;
  FilePrecondition expect;
  expect.status = FileStatus::kUploading;
  expect.bytes = f.bytes;
  expect.blob_key = f.blob_key;
  FILESD_RETURN_IF_ERROR(MapUpdateConflict(s.meta->UpdateFile(updated, expect, now)));
  if (ingest) {
    ingest->Adopted();
    // The staged parts and the unused append key are garbage now. Best effort: what stays is
    // deleted by the janitor with the file.
    bool all_deleted = true;
    for (const UploadPartRecord& p : parts) {
      if (Status d = s.blobs->Delete(p.blob_key); !d.ok()) {
        all_deleted = false;
        spdlog::warn("uploads: could not delete part blob {}: {}", p.blob_key, d.ToString());
      }
    }
    if (all_deleted) (void)s.meta->DeleteUploadParts(id);
    (void)s.blobs->Delete(f.blob_key);
  }
  auto analyzed = s.analyzer->Analyze(updated);
  if (!analyzed.ok()) {
    spdlog::warn("uploads: analysis of {} failed: {}", id, analyzed.status().ToString());
    return updated;
  }
  return analyzed;
}

Result<FileRecord> CancelSession(const Services& s, const std::string& project_id,
                                 const std::string& id) {
  SessionWriters::Slot slot = SessionWriters::Instance().Acquire(id, kWriterWait);
  if (!slot.held()) return SessionBusy();
  std::lock_guard<std::mutex> lock(SessionMutex(id));
  const int64_t now = s.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(FileRecord f, LoadSession(s, project_id, id, now));
  if (f.status != FileStatus::kUploading) return SessionClosed(id);
  Status del = s.meta->SoftDeleteFile(project_id, id, now);
  if (del.code() == StatusCode::kNotFound) return NoSuchUpload(id);
  FILESD_RETURN_IF_ERROR(del);
  // The content is invisible now; discard it at once (the janitor retries whatever fails here).
  (void)s.blobs->Delete(f.blob_key);
  if (auto parts = s.meta->ListUploadParts(id); parts.ok()) {
    bool all_deleted = true;
    for (const UploadPartRecord& p : *parts) all_deleted &= s.blobs->Delete(p.blob_key).ok();
    if (all_deleted) (void)s.meta->DeleteUploadParts(id);
  }
  f.updated_at = now;
  f.deleted_at = now;
  return f;
}

// ---- create ----

Result<FileRecord> CreateSession(const Services& s, const std::string& project_id, int64_t now,
                                 const json::object& body) {
  const json::value* fn = body.if_contains("filename");
  if (fn == nullptr || fn->is_null()) {
    return InvalidArgument("missing required parameter: 'filename'").WithParam("filename");
  }
  if (!fn->is_string()) return InvalidArgument("filename must be a string").WithParam("filename");
  FileRecord f;
  f.filename = std::string(fn->as_string());
  FILESD_RETURN_IF_ERROR(ValidateFilename(f.filename, "filename"));
  f.purpose = "user_data";
  if (const json::value* v = body.if_contains("purpose"); v != nullptr && !v->is_null()) {
    if (!v->is_string() || !IsKnownPurpose(v->as_string())) {
      return UnknownPurpose();
    }
    f.purpose = std::string(v->as_string());
  }
  uint64_t declared = 0;
  if (const json::value* v = body.if_contains("bytes"); v != nullptr && !v->is_null()) {
    if (!v->is_int64() && !v->is_uint64()) {
      return InvalidArgument("bytes must be a non-negative integer").WithParam("bytes");
    }
    if (v->is_int64() && v->as_int64() < 0) {
      return InvalidArgument("bytes must be a non-negative integer").WithParam("bytes");
    }
    declared = v->is_uint64() ? v->as_uint64() : static_cast<uint64_t>(v->as_int64());
    if (declared > s.options.max_file_bytes) {
      return PayloadTooLarge("bytes is larger than the file size limit of " +
                                 std::to_string(s.options.max_file_bytes) + " bytes",
                             "file_too_large")
          .WithParam("bytes");
    }
  }
  f.mime_type = MediaTypeForFilename(f.filename);
  if (const json::value* v = body.if_contains("mime_type"); v != nullptr && !v->is_null()) {
    if (!v->is_string() || v->as_string().empty() || v->as_string().size() > 255 ||
        std::any_of(v->as_string().begin(), v->as_string().end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      return InvalidArgument("mime_type must be a media type string").WithParam("mime_type");
    }
    f.mime_type = std::string(v->as_string());
  }
  int64_t ttl = s.options.session_ttl_seconds;
  if (const json::value* v = body.if_contains("expires_after"); v != nullptr && !v->is_null()) {
    FILESD_ASSIGN_OR_RETURN(ttl, ExpiresAfterSeconds(*v));
  }
  // Quotas: the declared size must fit from the start (CreateFile checks the file count again).
  FILESD_ASSIGN_OR_RETURN(QuotaState quota, LoadQuotaState(*s.meta, project_id, now));
  FILESD_RETURN_IF_ERROR(quota.CheckNewFile(declared));
  f.id = NewUuidV4();
  f.project_id = project_id;
  f.bytes = 0;
  f.status = FileStatus::kUploading;
  // The content appears under this key with the first append (AppendAt creates it).
  f.blob_key = blob_keys::NewContentKey(f.id);
  f.created_at = now;
  f.updated_at = now;
  f.expires_at = now + ttl;
  FILESD_RETURN_IF_ERROR(s.meta->CreateFile(f));
  return f;
}

}  // namespace

Dispatch CreateUploadSession(RequestContext& ctx) {
  const Services& s = ctx.services;
  return JsonBodyDispatch(ctx, [&s, project_id = ctx.project_id, now = ctx.now,
                                envelope = ctx.envelope](const json::object& body) {
    auto f = CreateSession(s, project_id, now, body);
    if (!f.ok()) return ErrorResponse(f.status(), envelope);
    return JsonResponse(UploadObject(*f, now));
  });
}

Dispatch AppendUploadChunk(RequestContext& ctx) {
  if (ctx.head.content_length && *ctx.head.content_length > kMaxAppendBodyBytes) {
    return Answer(ctx.Error(PayloadTooLarge(
        "a chunk may hold at most " + std::to_string(kMaxChunkBytes) + " decoded bytes",
        "chunk_too_large")));
  }
  Dispatch d;
  d.consumer = std::make_unique<AppendConsumer>(ctx);
  d.max_body_bytes = kMaxAppendBodyBytes;
  return d;
}

Dispatch AddUploadPart(RequestContext& ctx) {
  const uint64_t limit = std::min(kMaxPartBytes, ctx.services.options.max_file_bytes);
  if (ctx.head.content_length && *ctx.head.content_length > limit + kPartOverheadBytes) {
    return Answer(ctx.Error(PayloadTooLarge(
        "a part may hold at most " + std::to_string(limit) + " bytes", "part_too_large")));
  }
  // Refuse early (before reading up to 64 MiB) what would be refused at the end.
  auto f = LoadSession(ctx.services, ctx.project_id, ctx.params.at(0), ctx.now);
  if (!f.ok()) return Answer(ctx.Error(f.status()));
  if (f->status != FileStatus::kUploading) return Answer(ctx.Error(SessionClosed(f->id)));
  if (f->bytes > 0) return Answer(ctx.Error(ModesMixed()));
  auto it = ctx.head.header.find(http::field::content_type);
  if (it == ctx.head.header.end()) {
    return Answer(
        ctx.Error(InvalidArgument("Content-Type must be multipart/form-data with a boundary")));
  }
  auto boundary = BoundaryFromContentType(it->value());
  if (!boundary.ok()) return Answer(ctx.Error(boundary.status()));
  auto quota = LoadQuotaState(*ctx.services.meta, ctx.project_id, ctx.now);
  if (!quota.ok()) return Answer(ctx.Error(quota.status()));
  if (ctx.head.content_length && *ctx.head.content_length > kPartOverheadBytes) {
    Status fits = quota->CheckGrowth(*ctx.head.content_length - kPartOverheadBytes);
    if (!fits.ok()) return Answer(ctx.Error(fits));
  }
  Dispatch d;
  d.consumer = std::make_unique<PartConsumer>(ctx, std::move(boundary).value(),
                                              std::move(quota).value());
  d.max_body_bytes = limit + kPartOverheadBytes;
  return d;
}

Dispatch CompleteUploadSession(RequestContext& ctx) {
  const Services& s = ctx.services;
  return JsonBodyDispatch(ctx, [&s, project_id = ctx.project_id, id = ctx.params.at(0),
                                envelope = ctx.envelope](const json::object& body) {
    auto req = ParseComplete(body);
    if (!req.ok()) return ErrorResponse(req.status(), envelope);
    auto f = CompleteSession(s, project_id, id, *req);
    if (!f.ok()) return ErrorResponse(f.status(), envelope);
    return JsonResponse(UploadObject(*f, s.clock->NowSeconds()));
  });
}

Dispatch CancelUploadSession(RequestContext& ctx) {
  const Services& s = ctx.services;
  return JsonBodyDispatch(ctx, [&s, project_id = ctx.project_id, id = ctx.params.at(0),
                                envelope = ctx.envelope](const json::object&) {
    auto f = CancelSession(s, project_id, id);
    if (!f.ok()) return ErrorResponse(f.status(), envelope);
    return JsonResponse(UploadObject(*f, s.clock->NowSeconds()));
  });
}

}  // namespace filesd::handlers
