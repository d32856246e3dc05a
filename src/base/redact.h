// Redaction of credentials carried in URLs, for anything that writes a URL to a log.
//
// A signed upload URL carries its signature in the query (`sig=...`); an access log that keeps it
// keeps a credential, valid until the URL expires. Every URL or request target filesd logs goes
// through RedactUrlSecrets() first.
#pragma once

#include <string>
#include <string_view>

namespace filesd {

// `url` (a request target "/path?query" or an absolute URL) with the value of every secret query
// parameter replaced by "REDACTED". Secret names, compared case-insensitively after
// percent-decoding: sig, signature, token, access_token, api_key, key, X-Amz-Signature,
// X-Amz-Credential, X-Amz-Security-Token. Everything else (path, other parameters, their order, a
// `#fragment`) is kept byte for byte; a parameter without '=' has no value to hide. Pure; never fails.
std::string RedactUrlSecrets(std::string_view url);

}  // namespace filesd
