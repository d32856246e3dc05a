// The pre-signed upload flow (API.md section 4) and the text route (section 7), as HTTP: JSON and
// headers to the structs of upload/presigned_uploads.h and its results back to JSON. The flow
// itself (checks, storage, analysis) is upload/presigned_uploads.cc.
//
//   POST /v1/files/upload-url      PresignedUploads::CreateUploadUrl
//   PUT  <signed URL>              PresignedUploads::StartSignedPut, fed the raw body
//   POST /v1/files/confirm-upload  PresignedUploads::Confirm
//   GET  /v1/files/{id}/text       the text extracted by the analysis, streamed
//
// Errors of the first three use the pre-signed envelope {"success":false,"error":...};
// api/errors.cc renders every one of them.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <optional>
#include <string>

#include "api/expires_after.h"
#include "api/handler_util.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/json_response.h"
#include "blob/blob_keys.h"
#include "upload/presigned_uploads.h"

namespace filesd::handlers {
namespace {

namespace json = boost::json;

constexpr auto kEnvelope = ErrorEnvelope::kPresigned;

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

// ------------------------------------------------------------------------------------------------
// POST /v1/files/upload-url

// The request's fields, with the shape checks of JSON (types); the flow checks the values.
Result<UploadUrlRequest> ParseUploadUrlRequest(const json::object& body) {
  UploadUrlRequest r;
  const json::value* filename = Field(body, "filename");
  if (filename == nullptr || (filename->is_string() && filename->as_string().empty())) {
    return InvalidArgument("filename is required").WithParam("filename");
  }
  if (!filename->is_string()) {
    return InvalidArgument("filename must be a string").WithParam("filename");
  }
  r.filename = std::string(filename->as_string());
  if (const json::value* v = Field(body, "file_size")) {
    r.file_size = NonNegativeInteger(*v);
    if (!r.file_size) return InvalidArgument("file_size must be a non-negative integer");
  }
  if (const json::value* v = Field(body, "content_type")) {
    // Not a string: handed on as "", which the flow refuses as not a media type.
    r.content_type = v->is_string() ? std::string(v->as_string()) : std::string();
  }
  if (const json::value* v = Field(body, "purpose")) {
    if (!v->is_string()) return UnknownPurpose();
    r.purpose = std::string(v->as_string());
  }
  if (const json::value* v = Field(body, "expires_after")) {
    FILESD_ASSIGN_OR_RETURN(r.expires_after_seconds, ExpiresAfterSeconds(*v));
  }
  return r;
}

Response CreateUploadUrlFromBody(const PresignedUploads& flow, const std::string& project_id,
                                 const std::string& base_url, const json::object& body) {
  auto request = ParseUploadUrlRequest(body);
  if (!request.ok()) return ErrorResponse(request.status(), kEnvelope);
  request->project_id = project_id;
  auto url = flow.CreateUploadUrl(*request);
  if (!url.ok()) return ErrorResponse(url.status(), kEnvelope);
  json::object o;
  o["success"] = true;
  o["file_id"] = url->file_id;
  o["upload_url"] = base_url + url->signed_target;
  o["storage_path"] = url->storage_path;
  o["expires_at"] = url->expires_at;
  return JsonResponse(o);
}

// ------------------------------------------------------------------------------------------------
// PUT <signed URL>

// Feeds the raw body to the flow's sink; answers its result.
class SignedPutConsumer final : public BodyConsumer {
 public:
  explicit SignedPutConsumer(std::unique_ptr<SignedPutSink> sink) : sink_(std::move(sink)) {}

  Status OnData(std::string_view data) override { return sink_->Append(data); }

  Response OnEnd() override {
    auto put = sink_->Finish();
    if (!put.ok()) return ErrorResponse(put.status(), kEnvelope);
    json::object o;
    o["success"] = true;
    o["file_id"] = put->file_id;
    o["storage_path"] = put->storage_path;
    o["file_size"] = put->bytes;
    o["sha256"] = put->sha256;
    return JsonResponse(o);
  }

  void OnAbort() override { sink_->Abandon(); }

 private:
  const std::unique_ptr<SignedPutSink> sink_;
};

// ------------------------------------------------------------------------------------------------
// POST /v1/files/confirm-upload

Result<ConfirmRequest> ParseConfirmRequest(const json::object& body) {
  ConfirmRequest r;
  const json::value* id = Field(body, "file_id");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return InvalidArgument("file_id is required").WithParam("file_id");
  }
  r.file_id = std::string(id->as_string());
  const json::value* name = Field(body, "filename");
  if (name == nullptr || !name->is_string() || name->as_string().empty()) {
    return InvalidArgument("filename is required").WithParam("filename");
  }
  const json::value* size = Field(body, "file_size");
  if (size == nullptr) return InvalidArgument("file_size is required").WithParam("file_size");
  const std::optional<uint64_t> file_size = NonNegativeInteger(*size);
  if (!file_size) return InvalidArgument("file_size must be a non-negative integer");
  r.file_size = *file_size;
  if (const json::value* v = Field(body, "sha256")) {
    if (!v->is_string() || v->as_string().size() != 64 ||
        !std::all_of(v->as_string().begin(), v->as_string().end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      return InvalidArgument("sha256 must be 64 hexadecimal digits");
    }
    r.sha256 = std::string(v->as_string());
  }
  if (const json::value* v = Field(body, "expires_after")) {
    FILESD_ASSIGN_OR_RETURN(r.expires_after_seconds, ExpiresAfterSeconds(*v));
  }
  return r;
}

json::value JsonOrNull(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  return ec ? json::value(nullptr) : v;
}

Response ConfirmUploadFromBody(const PresignedUploads& flow, const std::string& project_id,
                               const json::object& body) {
  auto request = ParseConfirmRequest(body);
  if (!request.ok()) return ErrorResponse(request.status(), kEnvelope);
  request->project_id = project_id;
  auto f = flow.Confirm(*request);
  if (!f.ok()) return ErrorResponse(f.status(), kEnvelope);
  json::object o;
  o["success"] = true;
  o["file_id"] = f->id;
  o["filename"] = f->filename;
  o["file_size"] = f->bytes;
  o["processed_at"] = f->processed_at ? json::value(*f->processed_at) : json::value(nullptr);
  o["metadata"] = JsonOrNull(f->metadata_json);
  o["processing_summary"] =
      f->processing_summary ? json::value(*f->processing_summary) : json::value(nullptr);
  return JsonResponse(o);
}

}  // namespace

Dispatch CreateUploadUrl(RequestContext& ctx) {
  const PresignedUploads& flow = *ctx.services.presigned;
  return JsonBodyDispatch(ctx, [&flow, project_id = ctx.project_id,
                                base_url = PublicBaseUrl(ctx)](const json::object& body) {
    return CreateUploadUrlFromBody(flow, project_id, base_url, body);
  });
}

Dispatch PutSignedUpload(RequestContext& ctx) {
  const auto& header = ctx.head.header;
  SignedPutRequest request;
  request.target = std::string(header.target());
  // A request without a body has a known length of 0 even without Content-Length.
  request.content_length =
      ctx.head.has_body ? ctx.head.content_length : ctx.head.content_length.value_or(0);
  if (auto it = header.find(http::field::content_type); it != header.end()) {
    request.content_type = std::string(Trim(it->value()));
  }
  auto sink = ctx.services.presigned->StartSignedPut(request);
  if (!sink.ok()) return Answer(ctx.Error(sink.status()));
  Dispatch d;
  d.consumer = std::make_unique<SignedPutConsumer>(std::move(sink).value());
  d.max_body_bytes = ctx.services.options.max_file_bytes;
  return d;
}

Dispatch ConfirmUpload(RequestContext& ctx) {
  const PresignedUploads& flow = *ctx.services.presigned;
  return JsonBodyDispatch(ctx, [&flow, project_id = ctx.project_id](const json::object& body) {
    return ConfirmUploadFromBody(flow, project_id, body);
  });
}

// ------------------------------------------------------------------------------------------------
// GET /v1/files/{id}/text

Dispatch FileText(RequestContext& ctx) {
  auto f = LoadFile(ctx);
  if (!f.ok()) return Answer(ctx.Error(f.status()));
  const std::string& id = f->id;
  const Status no_text = NotFound(
      "File " + id + " has no text: it is not processed, or its type has none", "text_not_found");
  if (f->status != FileStatus::kProcessed || AnalyzedType(*f) == "binary") {
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
