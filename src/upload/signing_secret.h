// The server secret that keys signed upload URLs (hmac_url_signer.h), as kept in the data directory.
// The server now takes its secret from upload/url_signing_secret.h (shared by every instance through
// the metadata store) and only reads an existing <data-dir>/secret (LoadSigningSecretFile), so the
// URLs of installations made by earlier versions stay valid. The file, as those versions made it:
//
// Either the operator gives it (--url-signing-secret / FILESD_URL_SIGNING_SECRET, at least 32
// bytes), or the server keeps 32 random bytes in <data-dir>/secret: created once, atomically
// (written to a temporary file, fsynced, then linked into place, so a crash or a concurrent start
// never leaves a short or second secret), mode 0600, and reused on every restart so URLs issued
// before a restart stay valid until they expire. Deleting the file invalidates every outstanding
// URL.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"

namespace filesd {

// Size of a generated secret.
inline constexpr size_t kGeneratedSecretBytes = 32;

// The secret stored in `<data_dir>/secret`, creating it first if it does not exist.
// REQUIRES: `data_dir` exists.
// Errors: kInvalidArgument if the file exists but is not a regular file of exactly
// kGeneratedSecretBytes bytes, or is accessible by group or others (the message says which);
// kUnavailable if the directory or file cannot be read or written (message without the path's
// contents). Thread-compatible: call once at startup.
Result<std::string> LoadOrCreateSigningSecret(const std::string& data_dir);

// The secret stored in `<data_dir>/secret`, or nullopt when there is no such file (nothing is
// created). Errors as LoadOrCreateSigningSecret. The server uses this since the secret is shared
// through the metadata store (upload/url_signing_secret.h): an existing file is honoured, no new one
// is made.
Result<std::optional<std::string>> LoadSigningSecretFile(const std::string& data_dir);

}  // namespace filesd
