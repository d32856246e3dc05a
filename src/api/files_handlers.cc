// OpenAI-compatible Files API (API.md section 3).
#include <boost/json.hpp>
#include <charconv>

#include "api/file_json.h"
#include "api/handler_util.h"
#include "api/handlers.h"
#include "api/http_names.h"
#include "api/json_response.h"
#include "api/multipart_upload.h"
#include "api/parse/byte_range.h"
#include "upload/sessions.h"
#include "base/crypto.h"

namespace filesd::handlers {
namespace {

Dispatch Fail(const RequestContext& ctx, const Status& s) { return Answer(ctx.Error(s)); }

// Room reserved for a rendered file object and for the list envelope around the objects: enough
// for a typical file with its metadata, so the text rarely grows (and copies) while written.
constexpr size_t kFileJsonBytes = 1024;
constexpr size_t kListEnvelopeBytes = 256;

// Parses a non-negative decimal integer query value.
std::optional<uint64_t> ParseUint(const std::string& s) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// True when an If-None-Match / If-Range value names `etag` (weak comparison, or "*").
bool EtagListMatches(std::string_view header, const std::string& etag) {
  if (header == "*") return true;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view item = header.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

Dispatch CreateFile(RequestContext& ctx) {
  const auto& opts = ctx.services.options;
  if (ctx.head.content_length &&
      *ctx.head.content_length > opts.max_file_bytes + opts.multipart_overhead_bytes) {
    return Fail(ctx, PayloadTooLarge("request body is larger than the file size limit of " +
                                         std::to_string(opts.max_file_bytes) + " bytes",
                                     "file_too_large"));
  }
  // Quotas (API.md section 8): refuse from the header alone when the count is full or the body is
  // larger than the room left plus the framing allowance; the flow checks the streamed bytes.
  const uint64_t least_file_bytes =
      ctx.head.content_length && *ctx.head.content_length > opts.multipart_overhead_bytes
          ? *ctx.head.content_length - opts.multipart_overhead_bytes
          : 0;
  auto ticket = ctx.services.file_uploads->Admit(ctx.project_id, least_file_bytes);
  if (!ticket.ok()) return Fail(ctx, ticket.status());
  auto consumer = NewMultipartUpload(ctx, std::move(ticket).value());
  if (!consumer.ok()) return Fail(ctx, consumer.status());
  Dispatch d;
  d.consumer = std::move(consumer).value();
  d.max_body_bytes = opts.max_file_bytes + opts.multipart_overhead_bytes;
  return d;
}

Dispatch ListFiles(RequestContext& ctx) {
  ListFilesQuery q;
  if (auto v = ctx.QueryValue("limit")) {
    auto n = ParseUint(*v);
    if (!n || *n < 1 || *n > 1000) {
      return Fail(ctx, InvalidArgument("limit must be an integer from 1 to 1000").WithParam("limit"));
    }
    q.limit = static_cast<uint32_t>(*n);
  }
  if (auto v = ctx.QueryValue("offset")) {
    auto n = ParseUint(*v);
    if (!n || *n > (1ull << 53)) {
      return Fail(ctx, InvalidArgument("offset must be a non-negative integer").WithParam("offset"));
    }
    q.offset = *n;
  }
  if (auto v = ctx.QueryValue("order")) {
    if (*v == "asc") {
      q.order = SortOrder::kAsc;
    } else if (*v == "desc") {
      q.order = SortOrder::kDesc;
    } else {
      return Fail(ctx, InvalidArgument("order must be 'asc' or 'desc'").WithParam("order"));
    }
  }
  if (auto v = ctx.QueryValue("purpose"); v && !v->empty()) {
    if (!IsKnownPurpose(*v)) {
      return Fail(ctx, UnknownPurpose());
    }
    q.purpose = *v;
  }
  if (auto v = ctx.QueryValue("after"); v && !v->empty()) {
    if (!IsUuid(*v)) return Fail(ctx, InvalidArgument("after must be a file id").WithParam("after"));
    q.after_id = *v;
  }
  auto list = ctx.services.meta->ListFiles(ctx.project_id, q, ctx.now);
  if (!list.ok()) {
    if (list.status().code() == StatusCode::kNotFound) {
      return Fail(ctx, InvalidArgument("after does not name a file of this project")
                           .WithParam("after"));
    }
    return Fail(ctx, list.status());
  }
  std::string json;
  json.reserve(kListEnvelopeBytes + kFileJsonBytes * list->files.size());
  AppendFileListJson(json, *list);
  return Answer(JsonTextResponse(std::move(json)));
}

Dispatch RetrieveFile(RequestContext& ctx) {
  auto f = LoadFile(ctx);
  if (!f.ok()) return Fail(ctx, f.status());
  std::string json;
  json.reserve(kFileJsonBytes);
  AppendFileJson(json, *f);
  return Answer(JsonTextResponse(std::move(json)));
}

Dispatch DeleteFile(RequestContext& ctx) {
  const std::string& id = ctx.params.at(0);
  if (!IsUuid(id)) return Fail(ctx, NoSuchFile(id));
  Status s = ctx.services.meta->SoftDeleteFile(ctx.project_id, id, ctx.now);
  if (!s.ok()) {
    if (s.code() == StatusCode::kNotFound) s = NoSuchFile(id);
    return Fail(ctx, s);
  }
  boost::json::object o;
  o["id"] = id;
  o["object"] = "file";
  o["deleted"] = true;
  return Answer(JsonResponse(o));
}

Dispatch FileContent(RequestContext& ctx) {
  auto f = LoadFile(ctx);
  if (!f.ok()) return Fail(ctx, f.status());
  if (f->blob_key.empty() && f->status != FileStatus::kUploading) {
    return Fail(ctx, NotFound("file " + f->id + " has no content yet", "content_not_found"));
  }
  // An open upload session's content is its segments, stitched (upload/sessions.h).
  auto reader = f->status == FileStatus::kUploading ? ctx.services.sessions->OpenContent(*f)
                                                    : ctx.services.blobs->NewReader(f->blob_key);
  if (!reader.ok()) {
    if (reader.status().code() == StatusCode::kNotFound) {
      return Fail(ctx, Internal("content of file is missing from storage", "content_missing"));
    }
    return Fail(ctx, reader.status());
  }
  const uint64_t size = (*reader)->size_bytes();
  const auto& req = ctx.head.header;

  Response r;
  r.header.set(http::field::accept_ranges, "bytes");
  r.header.set(http::field::cache_control, "private");
  std::string etag;
  if (f->sha256 && f->status != FileStatus::kUploading) {
    etag = "\"" + *f->sha256 + "\"";
    r.header.set(http::field::etag, etag);
  }
  if (auto inm = req.find(http::field::if_none_match); inm != req.end() && !etag.empty()) {
    if (EtagListMatches(inm->value(), etag)) {
      r.header.result(http::status::not_modified);
      r.head_only = true;
      return Answer(std::move(r));
    }
  }
  r.header.set(http::field::content_type,
               f->mime_type.empty() ? "application/octet-stream" : f->mime_type);
  r.header.set(http::field::content_disposition, ContentDispositionAttachment(f->filename));

  uint64_t offset = 0;
  uint64_t length = size;
  r.header.result(http::status::ok);
  auto range = req.find(http::field::range);
  bool use_range = range != req.end();
  if (use_range) {
    // If-Range: serve the range only while the validator still matches.
    if (auto ir = req.find(http::field::if_range); ir != req.end()) {
      use_range = !etag.empty() && ir->value() == etag;
    }
  }
  if (use_range) {
    RangeDecision d = DecideRange(range->value(), size);
    if (d.outcome == RangeOutcome::kUnsatisfiable) {
      Response e = ctx.Error(Status(StatusCode::kRangeNotSatisfiable,
                                    "Range cannot be satisfied for content of " +
                                        std::to_string(size) + " bytes",
                                    "range_not_satisfiable"));
      e.header.set(http::field::content_range, "bytes */" + std::to_string(size));
      return Answer(std::move(e));
    }
    if (d.outcome == RangeOutcome::kSatisfiable) {
      offset = d.range.first;
      length = d.range.length();
      r.header.result(http::status::partial_content);
      r.header.set(http::field::content_range, "bytes " + std::to_string(d.range.first) + "-" +
                                                   std::to_string(d.range.last) + "/" +
                                                   std::to_string(size));
    }
  }
  r.stream = std::make_unique<BlobBodyStream>(std::move(reader).value(), offset, length);
  return Answer(std::move(r));
}

}  // namespace filesd::handlers
