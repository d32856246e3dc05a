// Operations routes (API.md section 9): liveness, readiness, metrics. No authentication.
#include <boost/json/object.hpp>

#include "api/handler_util.h"
#include "api/handlers.h"
#include "api/json_response.h"
#include "api/metrics.h"
#include "upload/sessions.h"

namespace filesd::handlers {

Dispatch Healthz(RequestContext&) {
  boost::json::object o;
  o["status"] = "ok";
  return Answer(JsonResponse(o));
}

Dispatch Readyz(RequestContext& ctx) {
  boost::json::object o;
  if (ctx.head.draining) {  // shutting down: take this instance out of rotation
    o["status"] = "draining";
    return Answer(JsonResponse(http::status::service_unavailable, o));
  }
  const bool meta = ctx.services.meta->CheckReady().ok();
  const bool blobs = ctx.services.blobs->CheckReady().ok();
  if (meta && blobs) {
    o["status"] = "ready";
    return Answer(JsonResponse(o));
  }
  o["status"] = "unavailable";
  o["metadata_store"] = meta ? "ok" : "unavailable";
  o["blob_store"] = blobs ? "ok" : "unavailable";
  return Answer(JsonResponse(http::status::service_unavailable, o));
}

Dispatch MetricsText(RequestContext& ctx) {
  Dispatch d;
  Response r;
  r.header.result(http::status::ok);
  r.header.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  r.body = ctx.services.metrics->RenderPrometheus();
  if (ctx.services.sessions != nullptr) {
    r.body +=
        "# HELP filesd_upload_complete_rehash_total Completes of uploads whose parts were not "
        "listed in the order they were hashed in (parallel or reordered parts), so their "
        "content was read once to hash it.\n"
        "# TYPE filesd_upload_complete_rehash_total counter\n"
        "filesd_upload_complete_rehash_total " +
        std::to_string(ctx.services.sessions->rehashed_completes()) + "\n";
  }
  d.response = std::move(r);
  return d;
}

}  // namespace filesd::handlers
