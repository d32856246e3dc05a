// The whole HTTP surface of filesd, one table. Begin() matches the path against it, authenticates
// when the route needs it, and calls the handler. The table is also the one source of what a path
// accepts: HEAD wherever GET is (the GET route runs; FinishResponse sends its header without the
// body), OPTIONS on every routed path (CORS preflight), and the Allow header of a 405.
#include <boost/url/parse.hpp>
#include <algorithm>
#include <array>
#include <string>

#include "api/api.h"
#include "api/cors.h"
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/multipart_upload.h"
#include "meta/api_keys.h"

namespace filesd {
namespace {

using Handler = Dispatch (*)(RequestContext&);

// Whether a route takes Idempotency-Key (api/idempotency.h), and how its body is read.
enum class Idempotent { kNo, kJson, kMultipart };

struct Route {
  http::verb method;
  std::string_view pattern;  // literal segments and "{}" placeholders
  std::string_view name;     // for logs and metrics
  ErrorEnvelope envelope;
  bool needs_auth;
  Handler handler;
  Idempotent idempotent = Idempotent::kNo;
};

constexpr auto kOpenAi = ErrorEnvelope::kOpenAi;
constexpr auto kPresigned = ErrorEnvelope::kPresigned;
constexpr auto kJsonKey = Idempotent::kJson;
constexpr auto kFormKey = Idempotent::kMultipart;

// clang-format off
const std::array kRoutes = {
  Route{http::verb::get,    "/healthz",               "healthz",         kOpenAi, false, handlers::Healthz},
  Route{http::verb::get,    "/readyz",                "readyz",          kOpenAi, false, handlers::Readyz},
  Route{http::verb::get,    "/metrics",               "metrics",         kOpenAi, false, handlers::MetricsText},
  Route{http::verb::post,   "/v1/files",              "files.create",    kOpenAi, true,  handlers::CreateFile, kFormKey},
  Route{http::verb::get,    "/v1/files",              "files.list",      kOpenAi, true,  handlers::ListFiles},
  Route{http::verb::get,    "/v1/files/{}",           "files.retrieve",  kOpenAi, true,  handlers::RetrieveFile},
  Route{http::verb::delete_,"/v1/files/{}",           "files.delete",    kOpenAi, true,  handlers::DeleteFile},
  Route{http::verb::get,    "/v1/files/{}/content",   "files.content",   kOpenAi, true,  handlers::FileContent},
  Route{http::verb::get,    "/v1/files/{}/text",      "files.text",      kOpenAi, true,  handlers::FileText},
  Route{http::verb::get,    "/v1/usage",              "usage",           kOpenAi, true,  handlers::GetUsage},
  // Pre-signed flow (API.md section 4). The PUT carries no API key: its URL is signed.
  Route{http::verb::post,   "/v1/files/upload-url",     "files.upload_url",     kPresigned, true,  handlers::CreateUploadUrl, kJsonKey},
  Route{http::verb::put,    "/v1/files/upload/{}",      "files.upload_put",     kPresigned, false, handlers::PutSignedUpload},
  Route{http::verb::post,   "/v1/files/confirm-upload", "files.confirm_upload", kPresigned, true,  handlers::ConfirmUpload, kJsonKey},
  // Upload sessions and OpenAI Uploads (API.md section 5); the seed's bare paths answer too.
  Route{http::verb::post,   "/v1/uploads",             "uploads.create",   kOpenAi, true,  handlers::CreateUploadSession,   kJsonKey},
  Route{http::verb::put,    "/v1/uploads/{}",          "uploads.append",   kOpenAi, true,  handlers::AppendUploadChunk},
  Route{http::verb::post,   "/v1/uploads/{}/parts",    "uploads.part",     kOpenAi, true,  handlers::AddUploadPart},
  Route{http::verb::post,   "/v1/uploads/{}/complete", "uploads.complete", kOpenAi, true,  handlers::CompleteUploadSession, kJsonKey},
  Route{http::verb::post,   "/v1/uploads/{}/cancel",   "uploads.cancel",   kOpenAi, true,  handlers::CancelUploadSession},
  Route{http::verb::post,   "/uploads",                "uploads.create",   kOpenAi, true,  handlers::CreateUploadSession,   kJsonKey},
  Route{http::verb::put,    "/uploads/{}",             "uploads.append",   kOpenAi, true,  handlers::AppendUploadChunk},
  Route{http::verb::post,   "/uploads/{}/parts",       "uploads.part",     kOpenAi, true,  handlers::AddUploadPart},
  Route{http::verb::post,   "/uploads/{}/complete",    "uploads.complete", kOpenAi, true,  handlers::CompleteUploadSession, kJsonKey},
  Route{http::verb::post,   "/uploads/{}/cancel",      "uploads.cancel",   kOpenAi, true,  handlers::CancelUploadSession},
  Route{http::verb::get,    "/files/{}",               "files.retrieve",   kOpenAi, true,  handlers::RetrieveFile},
  Route{http::verb::get,    "/files/{}/content",       "files.content",    kOpenAi, true,  handlers::FileContent},
};
// clang-format on

// Splits "/a/b/c" into {"a","b","c"} (segments already percent-decoded by Boost.URL).
bool MatchPattern(std::string_view pattern, const std::vector<std::string>& segments,
                  std::vector<std::string>* params) {
  size_t i = 0;
  size_t pos = 1;  // skip the leading '/'
  params->clear();
  while (pos <= pattern.size()) {
    size_t end = pattern.find('/', pos);
    if (end == std::string_view::npos) end = pattern.size();
    const std::string_view part = pattern.substr(pos, end - pos);
    if (i >= segments.size()) return false;
    if (part == "{}") {
      params->push_back(segments[i]);
    } else if (part != segments[i]) {
      return false;
    }
    ++i;
    pos = end + 1;
  }
  return i == segments.size();
}

// The bearer token of an Authorization header, or nullopt when absent or not "Bearer".
std::optional<std::string_view> BearerToken(const http::request_header<>& header) {
  auto it = header.find(http::field::authorization);
  if (it == header.end()) return std::nullopt;
  std::string_view v = it->value();
  constexpr std::string_view kScheme = "bearer ";
  if (v.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) != kScheme[i]) return std::nullopt;
  }
  v.remove_prefix(kScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  return v;
}

struct ParsedTarget {
  std::vector<std::string> segments;
  std::multimap<std::string, std::string> query;
};

std::optional<ParsedTarget> ParseTarget(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  ParsedTarget out;
  for (auto seg : url->segments()) out.segments.push_back(std::string(seg));
  // "/v1/files/" has a trailing empty segment; treat it like "/v1/files".
  if (!out.segments.empty() && out.segments.back().empty()) out.segments.pop_back();
  for (auto param : url->params()) {
    out.query.emplace(std::string(param.key), param.has_value ? std::string(param.value) : "");
  }
  return out;
}

// Whether `route` answers `method`: its own method, and HEAD where that is GET.
bool Answers(const Route& route, http::verb method) {
  return route.method == method || (method == http::verb::head && route.method == http::verb::get);
}

// Finds the route for (method, segments): its index in kRoutes, or -1. `path_matched` tells a 405
// from a 404.
int FindRoute(http::verb method, const std::vector<std::string>& segments,
              std::vector<std::string>* params, bool* path_matched) {
  *path_matched = false;
  for (size_t i = 0; i < kRoutes.size(); ++i) {
    const Route& r = kRoutes[i];
    if (!MatchPattern(r.pattern, segments, params)) continue;
    *path_matched = true;
    if (Answers(r, method)) return static_cast<int>(i);
  }
  return -1;
}

// "GET, HEAD, DELETE, OPTIONS": what the routes whose pattern matches `segments` answer, in table
// order, then OPTIONS (Begin() answers it on every routed path). Empty when no route matches.
std::string AllowedMethods(const std::vector<std::string>& segments) {
  std::vector<http::verb> methods;
  auto add = [&methods](http::verb m) {
    if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
  };
  std::vector<std::string> params;
  for (const Route& r : kRoutes) {
    if (!MatchPattern(r.pattern, segments, &params)) continue;
    add(r.method);
    if (r.method == http::verb::get) add(http::verb::head);
  }
  if (methods.empty()) return "";
  add(http::verb::options);
  std::string out;
  for (http::verb m : methods) {
    if (!out.empty()) out += ", ";
    out += http::to_string(m);
  }
  return out;
}

// While the server drains only the health routes run: /healthz answers 200 (the process is alive
// and finishing its work), /readyz 503 (so that load balancers stop sending).
bool RunsWhileDraining(const Route* route) {
  return route != nullptr &&
         (route->handler == handlers::Healthz || route->handler == handlers::Readyz);
}

// Routes whose Begin() is short and bounded (MatchedRequest::inline_ok): a file's record by its
// primary key, and the in-memory health and metrics answers. Listing and usage are not: their
// count or sum grows with the project's files. Readyz probes the stores (disk), so it is not either.
bool RunsInline(const Route& route) {
  return route.handler == handlers::RetrieveFile || route.handler == handlers::Healthz ||
         route.handler == handlers::MetricsText;
}

// The answer to a request that arrives while the server drains: retry shortly, elsewhere or after
// the restart, on a new connection.
Response ShuttingDownResponse(ErrorEnvelope envelope) {
  Response r = ErrorResponse(Status(StatusCode::kUnavailable,
                                    "The server is shutting down; retry shortly.", "shutting_down"),
                             envelope);
  r.header.set(http::field::retry_after, "5");
  r.close = true;
  return r;
}

}  // namespace

MatchedRequest Api::Match(const RequestHead& head) const {
  MatchedRequest m;
  auto target = ParseTarget(head.header.target());
  if (!target) {
    m.inline_ok = true;  // answered from the header alone
    return m;
  }
  m.well_formed = true;
  m.route = FindRoute(head.header.method(), target->segments, &m.params, &m.path_matched);
  m.segments = std::move(target->segments);
  m.query = std::move(target->query);
  // Without a route (404, 405, preflight) or while draining, Begin() answers from the header.
  m.inline_ok = m.route < 0 || head.draining || RunsInline(kRoutes[m.route]);
  return m;
}

Dispatch Api::Begin(const RequestHead& head, MatchedRequest matched) {
  Dispatch d;
  d.route = "unmatched";
  RequestContext ctx{head, services_};
  if (!matched.well_formed) {
    d.response = ctx.Error(InvalidArgument("malformed request target"));
    return d;
  }
  const Route* route = matched.route >= 0 ? &kRoutes[matched.route] : nullptr;
  ctx.params = std::move(matched.params);
  if (head.draining && !RunsWhileDraining(route)) {
    if (route != nullptr) d.route = std::string(route->name);
    d.response = ShuttingDownResponse(route != nullptr ? route->envelope : ErrorEnvelope::kOpenAi);
    return d;
  }
  if (head.header.method() == http::verb::options && matched.path_matched) {
    // CORS preflight (api/cors.h): no key needed; answers the methods of the route's path.
    d.route = "cors.preflight";
    const std::string allowed = AllowedMethods(matched.segments);
    d.response = CorsPreflight(services_.options, head.header, allowed);
    d.response->header.set(http::field::allow, allowed);
    return d;
  }
  if (route == nullptr) {
    if (matched.path_matched) {
      d.route = "method_not_allowed";
      const std::string allowed = AllowedMethods(matched.segments);
      Response r = ctx.Error(Status(StatusCode::kInvalidArgument,
                                    "method not allowed on this path; it accepts " + allowed,
                                    "method_not_allowed"));
      r.header.result(http::status::method_not_allowed);
      r.header.set(http::field::allow, allowed);
      d.response = std::move(r);
    } else {
      d.response = ctx.Error(NotFound("no such route", "unknown_route"));
    }
    return d;
  }
  d.route = std::string(route->name);
  ctx.envelope = route->envelope;
  ctx.query = std::move(matched.query);
  ctx.now = services_.clock->NowSeconds();

  if (route->needs_auth) {
    auto token = BearerToken(head.header);
    if (!token) {
      d.response = ctx.Error(
          Status(StatusCode::kUnauthenticated,
                 "API key must be provided in the Authorization header as 'Bearer <key>'",
                 "missing_api_key"));
      return d;
    }
    auto auth = services_.auth->Authenticate(*token);
    if (!auth.ok()) {
      d.response = ctx.Error(auth.status());
      return d;
    }
    ctx.project_id = auth->project_id;
    d.project_id = auth->project_id;
  }

  Dispatch out;
  if (route->idempotent == Idempotent::kNo) {
    out = route->handler(ctx);
  } else {
    IdempotentRoute idempotent{route->name, BodyKind::kJson, route->handler};
    if (route->idempotent == Idempotent::kMultipart) {
      // POST /v1/files, the one multipart creating route, answers the file it creates.
      idempotent.body = BodyKind::kMultipart;
      idempotent.answer_for_file = CreatedFileAnswer;
    }
    out = RunIdempotently(ctx, idempotent);
  }
  out.route = std::move(d.route);
  out.project_id = std::move(d.project_id);
  return out;
}

Response Api::RejectFromNetwork(std::string_view target, const Status& status) const {
  // The envelope of whichever route the path names (any method), so that an error found while
  // streaming a body reads like the route's own errors.
  ErrorEnvelope envelope = ErrorEnvelope::kOpenAi;
  if (auto parsed = ParseTarget(target)) {
    std::vector<std::string> params;
    for (const Route& r : kRoutes) {
      if (MatchPattern(r.pattern, parsed->segments, &params)) {
        envelope = r.envelope;
        break;
      }
    }
  }
  return ErrorResponse(status, envelope);
}

void Api::FinishResponse(const RequestHead& head, Response& response) const {
  AddCorsHeaders(services_.options, head.header, response.header);
  // HEAD: whatever the answer (the GET route's, or an error), its header alone, with the length of
  // the body it stands for.
  if (head.header.method() == http::verb::head) response.head_only = true;
}

std::optional<std::string> RequestContext::QueryValue(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

}  // namespace filesd
