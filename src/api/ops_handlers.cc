// Operations routes (API.md section 9): liveness, readiness, metrics. No authentication.
#include "api/handlers.h"
#include "api/metrics.h"

namespace filesd::handlers {

Dispatch Healthz(RequestContext& ctx) {
  Dispatch d;
  d.response = ctx.Json(http::status::ok, R"({"status":"ok"})");
  return d;
}

Dispatch Readyz(RequestContext& ctx) {
  Dispatch d;
  if (ctx.head.draining) {  // shutting down: take this instance out of rotation
    d.response = ctx.Json(http::status::service_unavailable, R"({"status":"draining"})");
    return d;
  }
  Status meta = ctx.services.meta->CheckReady();
  Status blobs = ctx.services.blobs->CheckReady();
  if (meta.ok() && blobs.ok()) {
    d.response = ctx.Json(http::status::ok, R"({"status":"ready"})");
  } else {
    std::string body = R"({"status":"unavailable","metadata_store":)";
    body += meta.ok() ? "\"ok\"" : "\"unavailable\"";
    body += R"(,"blob_store":)";
    body += blobs.ok() ? "\"ok\"" : "\"unavailable\"";
    body += "}";
    d.response = ctx.Json(http::status::service_unavailable, std::move(body));
  }
  return d;
}

Dispatch MetricsText(RequestContext& ctx) {
  Dispatch d;
  Response r;
  r.header.result(http::status::ok);
  r.header.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  r.body = ctx.services.metrics->RenderPrometheus();
  d.response = std::move(r);
  return d;
}

}  // namespace filesd::handlers
