// GET /v1/usage (API.md section 8): the caller's project usage and quotas.
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/json_response.h"

namespace filesd::handlers {

Dispatch GetUsage(RequestContext& ctx) {
  Dispatch d;
  auto project = ctx.services.meta->GetProject(ctx.project_id);
  if (!project.ok()) {
    d.response = ctx.Error(project.status());
    return d;
  }
  auto usage = ctx.services.meta->GetUsage(ctx.project_id, ctx.now);
  if (!usage.ok()) {
    d.response = ctx.Error(usage.status());
    return d;
  }
  boost::json::object o;
  o["object"] = "usage";
  o["bytes"] = usage->bytes;
  o["files"] = usage->files;
  o["quota_bytes"] = project->quota_bytes ? boost::json::value(*project->quota_bytes) : nullptr;
  o["quota_files"] = project->quota_files ? boost::json::value(*project->quota_files) : nullptr;
  d.response = JsonResponse(o);
  return d;
}

}  // namespace filesd::handlers
