// The names clients give files: their validation, their base name, and the media type their extension
// suggests. Pure functions over bytes; filenames never become storage paths (content is stored under
// the file id).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace filesd {

// A media type for a filename's extension (case-insensitive), or "application/octet-stream".
std::string MediaTypeForFilename(std::string_view filename);

// Checks a client filename: 1..255 bytes, valid UTF-8, no NUL or other control character, no '/'.
// A backslash is an ordinary byte of a name (it is one on POSIX, and filenames never become paths
// here: content is stored under the file id). kInvalidArgument naming `field` otherwise.
Status ValidateFilename(std::string_view filename, std::string_view field);

// The part after the last '/' of a name a client may have sent with directories. A backslash is
// kept: it is part of the name (curl, browsers and SDKs send it as is).
std::string_view BaseName(std::string_view filename);

}  // namespace filesd
