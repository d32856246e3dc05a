// Route handlers. Each is a function of the request context; it returns a response, or a body
// consumer for routes that take a body; the flows themselves live in src/upload/, which handlers only
// translate to and from HTTP. Grouped by route family (files_, presigned_, session_, usage_ and
// ops_handlers.cc); the table that maps routes to them is routes.cc.
#pragma once

#include "api/request_context.h"

namespace filesd::handlers {

// OpenAI-compatible Files API (API.md section 3).
Dispatch CreateFile(RequestContext& ctx);       // POST /v1/files (multipart)
Dispatch ListFiles(RequestContext& ctx);        // GET /v1/files
Dispatch RetrieveFile(RequestContext& ctx);     // GET /v1/files/{id}
Dispatch DeleteFile(RequestContext& ctx);       // DELETE /v1/files/{id}
Dispatch FileContent(RequestContext& ctx);      // GET|HEAD /v1/files/{id}/content

// Pre-signed upload flow (API.md section 4), in the {"success":false,"error":...} envelope, and the
// text for chat services (section 7). presigned_handlers.cc.
Dispatch CreateUploadUrl(RequestContext& ctx);  // POST /v1/files/upload-url (JSON)
Dispatch PutSignedUpload(RequestContext& ctx);  // PUT /v1/files/upload/{file}?...&sig= (no API key)
Dispatch ConfirmUpload(RequestContext& ctx);    // POST /v1/files/confirm-upload (JSON)
Dispatch FileText(RequestContext& ctx);         // GET /v1/files/{id}/text

// Upload sessions and OpenAI Uploads (API.md section 5). session_handlers.cc.
Dispatch CreateUploadSession(RequestContext& ctx);    // POST /v1/uploads (JSON)
Dispatch AppendUploadChunk(RequestContext& ctx);      // PUT /v1/uploads/{id} {"data","offset"}
Dispatch AddUploadPart(RequestContext& ctx);          // POST /v1/uploads/{id}/parts (multipart)
Dispatch CompleteUploadSession(RequestContext& ctx);  // POST /v1/uploads/{id}/complete (JSON)
Dispatch CancelUploadSession(RequestContext& ctx);    // POST /v1/uploads/{id}/cancel

// Usage and quotas (API.md section 8). usage_handlers.cc.
Dispatch GetUsage(RequestContext& ctx);               // GET /v1/usage

// Operations (API.md section 9); no authentication.
Dispatch Healthz(RequestContext& ctx);
Dispatch Readyz(RequestContext& ctx);
Dispatch MetricsText(RequestContext& ctx);

}  // namespace filesd::handlers
