// Upload sessions (the JSON/Base64 seed) and OpenAI Uploads (API.md section 5): HTTP only. Each
// handler parses JSON, multipart or Base64 into the structs of upload/sessions.h and renders what
// the flow answers; the flow itself (segments, parts, complete, cancel) is upload/sessions.h.
#include <boost/json.hpp>

#include "api/expires_after.h"
#include "api/file_json.h"
#include "api/handler_util.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/json_response.h"
#include "api/parse/base64_chunk_reader.h"
#include "api/parse/multipart_parser.h"
#include "upload/sessions.h"

namespace filesd::handlers {
namespace {

namespace json = boost::json;

// Base64 of a full chunk, plus room for line breaks inside the Base64 (MIME-style, 2 per 76) and
// the JSON around it. A larger Content-Length is refused before any byte is read.
constexpr uint64_t kMaxChunkBase64Bytes = (kMaxAppendBytes + 2) / 3 * 4;
constexpr uint64_t kMaxAppendBodyBytes = kMaxChunkBase64Bytes + kMaxChunkBase64Bytes / 32 + 65536;
// The multipart framing allowed around a part.
constexpr uint64_t kPartOverheadBytes = 64u << 10;

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

// PUT /v1/uploads/{id}: decodes the Base64 as the body arrives and streams the bytes into the
// append's sink; the offset (which may follow the data) is handed over at the end.
class AppendConsumer final : public BodyConsumer {
 public:
  AppendConsumer(ErrorEnvelope envelope, std::unique_ptr<AppendSink> sink)
      : envelope_(envelope), sink_(std::move(sink)), reader_(kMaxAppendBytes) {}

  Status OnData(std::string_view data) override {
    FILESD_RETURN_IF_ERROR(reader_.Feed(data));
    FILESD_RETURN_IF_ERROR(sink_->Append(reader_.decoded()));
    reader_.ConsumeDecoded();
    return Status::Ok();
  }

  Response OnEnd() override {
    auto f = Finish();
    if (!f.ok()) {
      sink_->Abandon();
      return ErrorResponse(f.status(), envelope_);
    }
    // The seed's append answer: the file object with the new total `size` (API.md section 5).
    return JsonResponse(FileObject(*f));
  }

  void OnAbort() override { sink_->Abandon(); }

 private:
  Result<FileRecord> Finish() {
    FILESD_ASSIGN_OR_RETURN(ChunkBody rest, reader_.Finish());
    FILESD_RETURN_IF_ERROR(sink_->Append(rest.data));  // bytes not consumed yet, if any
    return sink_->Finish(rest.offset);
  }

  const ErrorEnvelope envelope_;
  const std::unique_ptr<AppendSink> sink_;
  Base64ChunkReader reader_;
};

// ---- parts ----

// POST /v1/uploads/{id}/parts: the `data` field of the form goes to a part sink.
class PartConsumer final : public BodyConsumer, private MultipartHandler {
 public:
  PartConsumer(const RequestContext& ctx, std::string boundary, PartTicket ticket)
      : sessions_(*ctx.services.sessions),
        envelope_(ctx.envelope),
        ticket_(std::move(ticket)),
        parser_(std::move(boundary), this) {}

  Status OnData(std::string_view data) override { return parser_.Feed(data); }

  Response OnEnd() override {
    auto part = Finish();
    if (!part.ok()) {
      if (sink_) sink_->Abandon();
      return ErrorResponse(part.status(), envelope_);
    }
    json::object o;
    o["id"] = part->id;
    o["object"] = "upload.part";
    o["created_at"] = part->created_at;
    o["upload_id"] = ticket_.id;
    return JsonResponse(o);
  }

  void OnAbort() override {
    if (sink_) sink_->Abandon();
  }

 private:
  Status OnPartBegin(const MultipartPartHeaders& h) override {
    in_data_ = false;
    if (h.name != "data") return Status::Ok();  // other fields are ignored, as OpenAI does
    if (sink_) return InvalidArgument("only one 'data' part is allowed").WithParam("data");
    FILESD_ASSIGN_OR_RETURN(sink_, sessions_.BeginPart(ticket_));
    in_data_ = true;
    return Status::Ok();
  }

  Status OnPartData(std::string_view data) override {
    return in_data_ ? sink_->Append(data) : Status::Ok();
  }

  Status OnPartEnd() override {
    in_data_ = false;
    return Status::Ok();
  }

  Result<UploadPartRecord> Finish() {
    FILESD_RETURN_IF_ERROR(parser_.Finish());
    if (!sink_) return InvalidArgument("missing required parameter: 'data'").WithParam("data");
    return sink_->Finish();
  }

  const Sessions& sessions_;
  const ErrorEnvelope envelope_;
  const PartTicket ticket_;
  MultipartParser parser_;
  bool in_data_ = false;
  std::unique_ptr<PartSink> sink_;
};

// ---- complete ----

Result<CompleteSession> ParseComplete(const json::object& body) {
  CompleteSession req;
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

// ---- create ----

Result<NewSession> ParseCreate(const std::string& project_id, int64_t now,
                               const json::object& body) {
  NewSession req;
  req.project_id = project_id;
  req.now = now;
  const json::value* fn = body.if_contains("filename");
  if (fn == nullptr || fn->is_null()) {
    return InvalidArgument("missing required parameter: 'filename'").WithParam("filename");
  }
  if (!fn->is_string()) return InvalidArgument("filename must be a string").WithParam("filename");
  req.filename = std::string(fn->as_string());
  if (const json::value* v = body.if_contains("purpose"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) return UnknownPurpose();
    req.purpose = std::string(v->as_string());
  }
  if (const json::value* v = body.if_contains("bytes"); v != nullptr && !v->is_null()) {
    if ((!v->is_int64() && !v->is_uint64()) || (v->is_int64() && v->as_int64() < 0)) {
      return InvalidArgument("bytes must be a non-negative integer").WithParam("bytes");
    }
    req.declared_bytes = v->is_uint64() ? v->as_uint64() : static_cast<uint64_t>(v->as_int64());
  }
  if (const json::value* v = body.if_contains("mime_type"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) {
      return InvalidArgument("mime_type must be a media type string").WithParam("mime_type");
    }
    req.mime_type = std::string(v->as_string());
  }
  if (const json::value* v = body.if_contains("expires_after"); v != nullptr && !v->is_null()) {
    FILESD_ASSIGN_OR_RETURN(req.expires_after_seconds, ExpiresAfterSeconds(*v));
  }
  return req;
}

}  // namespace

Dispatch CreateUploadSession(RequestContext& ctx) {
  const Services& s = ctx.services;
  return JsonBodyDispatch(ctx, [&s, project_id = ctx.project_id, now = ctx.now,
                                envelope = ctx.envelope](const json::object& body) {
    auto req = ParseCreate(project_id, now, body);
    auto f = req.ok() ? s.sessions->Create(*req) : Result<FileRecord>(req.status());
    if (!f.ok()) return ErrorResponse(f.status(), envelope);
    return JsonResponse(UploadObject(*f, now));
  });
}

Dispatch AppendUploadChunk(RequestContext& ctx) {
  if (ctx.head.content_length && *ctx.head.content_length > kMaxAppendBodyBytes) {
    return Answer(ctx.Error(PayloadTooLarge(
        "a chunk may hold at most " + std::to_string(kMaxAppendBytes) + " decoded bytes",
        "chunk_too_large")));
  }
  auto sink = ctx.services.sessions->BeginAppend(ctx.project_id, ctx.params.at(0));
  if (!sink.ok()) return Answer(ctx.Error(sink.status()));
  Dispatch d;
  d.consumer = std::make_unique<AppendConsumer>(ctx.envelope, std::move(sink).value());
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
  const uint64_t least = ctx.head.content_length && *ctx.head.content_length > kPartOverheadBytes
                             ? *ctx.head.content_length - kPartOverheadBytes
                             : 0;
  auto ticket = ctx.services.sessions->AdmitPart(ctx.project_id, ctx.params.at(0), least);
  if (!ticket.ok()) return Answer(ctx.Error(ticket.status()));
  auto it = ctx.head.header.find(http::field::content_type);
  if (it == ctx.head.header.end()) {
    return Answer(
        ctx.Error(InvalidArgument("Content-Type must be multipart/form-data with a boundary")));
  }
  auto boundary = BoundaryFromContentType(it->value());
  if (!boundary.ok()) return Answer(ctx.Error(boundary.status()));
  Dispatch d;
  d.consumer = std::make_unique<PartConsumer>(ctx, std::move(boundary).value(),
                                              std::move(ticket).value());
  d.max_body_bytes = limit + kPartOverheadBytes;
  return d;
}

Dispatch CompleteUploadSession(RequestContext& ctx) {
  const Services& s = ctx.services;
  return JsonBodyDispatch(ctx, [&s, project_id = ctx.project_id, id = ctx.params.at(0),
                                envelope = ctx.envelope](const json::object& body) {
    auto req = ParseComplete(body);
    if (!req.ok()) return ErrorResponse(req.status(), envelope);
    req->project_id = project_id;
    req->id = id;
    auto f = s.sessions->Complete(*req);
    if (!f.ok()) return ErrorResponse(f.status(), envelope);
    return JsonResponse(UploadObject(*f, s.clock->NowSeconds()));
  });
}

Dispatch CancelUploadSession(RequestContext& ctx) {
  const Services& s = ctx.services;
  return JsonBodyDispatch(ctx, [&s, project_id = ctx.project_id, id = ctx.params.at(0),
                                envelope = ctx.envelope](const json::object&) {
    auto f = s.sessions->Cancel(project_id, id);
    if (!f.ok()) return ErrorResponse(f.status(), envelope);
    return JsonResponse(UploadObject(*f, s.clock->NowSeconds()));
  });
}

}  // namespace filesd::handlers
