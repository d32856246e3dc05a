// The body consumer of POST /v1/files: parses the multipart/form-data body and feeds the `file`
// part's bytes to the flow's sink (upload/file_uploads.h), collecting the small text fields
// (`purpose`, `expires_after[...]`); at the end of the body it checks the form and finishes the
// sink, which creates the file. Only HTTP and form parsing here.
#pragma once

#include <memory>

#include "api/http.h"
#include "api/request_context.h"
#include "meta/records.h"
#include "upload/file_uploads.h"

namespace filesd {

// Builds the consumer after checking the Content-Type (boundary) from the header alone.
// kInvalidArgument if the request is not multipart/form-data with a valid boundary. `ticket`: what
// FileUploads::Admit() settled for this request. The file gets `ctx.reserved_file_id` if set.
Result<std::unique_ptr<BodyConsumer>> NewMultipartUpload(const RequestContext& ctx,
                                                         FileUploadTicket ticket);

// The answer of POST /v1/files for the file it created: 200 with the file object.
Response CreatedFileAnswer(const FileRecord& file);

}  // namespace filesd
