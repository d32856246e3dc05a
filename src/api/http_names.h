// Filenames in HTTP: Content-Disposition (RFC 6266 with RFC 5987 filename*). The media types by
// extension and the validation of client-supplied filenames are upload/file_names.h's.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "upload/file_names.h"

namespace filesd {

// `attachment; filename="<ASCII fallback>"` plus `; filename*=UTF-8''<percent-encoded>` whenever the
// name is not plain printable ASCII without quotes, backslashes or '%' (some browsers percent-decode
// filename=, so a name with '%' gets the exact filename* too).
std::string ContentDispositionAttachment(std::string_view filename);

}  // namespace filesd
