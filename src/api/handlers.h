// Route handlers. Each is a function of the request context; it returns a response, or a body
// consumer for routes that take a body. Grouped by route family in files_handlers.cc and
// ops_handlers.cc; the table that maps routes to them is routes.cc.
#pragma once

#include "api/request_context.h"

namespace filesd::handlers {

// OpenAI-compatible Files API (API.md section 3).
Dispatch CreateFile(RequestContext& ctx);       // POST /v1/files (multipart)
Dispatch ListFiles(RequestContext& ctx);        // GET /v1/files
Dispatch RetrieveFile(RequestContext& ctx);     // GET /v1/files/{id}
Dispatch DeleteFile(RequestContext& ctx);       // DELETE /v1/files/{id}
Dispatch FileContent(RequestContext& ctx);      // GET|HEAD /v1/files/{id}/content

// Operations (API.md section 9); no authentication.
Dispatch Healthz(RequestContext& ctx);
Dispatch Readyz(RequestContext& ctx);
Dispatch MetricsText(RequestContext& ctx);

}  // namespace filesd::handlers
