// The one place that builds blob keys. Keys are made only of server-generated UUIDs and fixed
// prefixes, so no client string ever becomes part of a storage path.
#pragma once

#include <string>
#include <string_view>

namespace filesd::blob_keys {

// A fresh, never-reused key for one immutable blob of a file: "content/<file_id>/<random uuid>".
// The file's content, and also each staged piece of an upload session (an appended segment, an
// OpenAI part), which the session's rows list with their offsets. Each upload writes a new key; one
// metadata transaction makes it the file's content (or a recorded piece), so a failed or racing
// upload can never overwrite visible content. Everything of a file lives under "content/<file_id>/".
std::string NewContentKey(std::string_view file_id);

// The key of the text extracted from a file's content (API.md section 7): "text/<file_id>".
// Deterministic, since the file row has no column for it: analysing the file again replaces the text
// atomically (BlobStore commit semantics), and whoever purges the file deletes this key too.
std::string TextKey(std::string_view file_id);

// True when `key` is well formed: segments of [a-z0-9-] separated by single '/', no empty segment,
// no "." or "..", at most 255 bytes. Stores refuse any other key with kInvalidArgument.
bool IsValidKey(std::string_view key);

}  // namespace filesd::blob_keys
