// API keys: the token format, key generation, and authentication of a bearer token.
//
// A token is "fsd_<key_id>_<secret>":
//  * key_id: 12 characters of lowercase RFC 4648 base32 ([a-z2-7]), 60 random bits. Public: shown
//    in listings, used to revoke, and the primary key the store looks the token up by.
//  * secret: 32 random bytes (256 bits) as unpadded base64url, 43 characters ([A-Za-z0-9_-]; it may
//    itself contain '_', which is why key_id has a fixed length).
// Only the hex SHA-256 of the secret's text is stored (ApiKeyRecord::secret_hash); the token is
// shown once, when created, and cannot be recovered from the database.
//
// Every rejection of a presented token (malformed, unknown key_id, wrong secret, revoked, expired)
// is the same kPermissionDenied status with reason "invalid_api_key" (API.md section 1), so a
// client learns nothing about which check failed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "meta/auth_cache.h"
#include "meta/metadata_store.h"

namespace filesd {

inline constexpr std::string_view kApiKeyPrefix = "fsd_";
inline constexpr size_t kApiKeyIdLength = 12;
inline constexpr size_t kApiKeySecretLength = 43;  // base64url of 32 bytes, unpadded
inline constexpr size_t kApiKeyTokenLength =
    kApiKeyPrefix.size() + kApiKeyIdLength + 1 + kApiKeySecretLength;

struct GeneratedKey {
  std::string token;        // the whole bearer token; show once, never store
  std::string key_id;       // public id
  std::string secret_hash;  // hex SHA-256 of the secret: what the store keeps
};

// A fresh key from the OS CSPRNG. Not yet stored: see CreateKeyForProject().
GeneratedKey GenerateApiKey();

struct ParsedKey {
  std::string key_id;
  std::string secret;
};

// Splits a token into key_id and secret, checking length, prefix, separator and both alphabets.
// Anything else is InvalidApiKeyStatus().
Result<ParsedKey> ParseApiKey(std::string_view token);

// True when `key_id` has the form of a key id (for commands that take one, like revoke).
bool IsWellFormedKeyId(std::string_view key_id);

// The hex SHA-256 of a secret, as stored in ApiKeyRecord::secret_hash.
std::string HashApiKeySecret(std::string_view secret);

// The stored record of the key `token` names, when the token is well formed and its secret matches
// the stored hash (compared in constant time), whatever the key's state (revoked or expired keys
// included: see Authenticator for those checks). Otherwise InvalidApiKeyStatus(); store failures
// other than kNotFound pass through unchanged.
Result<ApiKeyRecord> FindKeyByToken(MetadataStore& store, std::string_view token);

// The one status for every rejected token: kPermissionDenied, reason "invalid_api_key",
// "The provided API key is invalid, inactive, or expired".
Status InvalidApiKeyStatus();

// Who a request is: the project it acts for and the key it used.
struct AuthContext {
  std::string project_id;
  std::string key_id;
};

// Checks bearer tokens against the keys in a MetadataStore, through an optional AuthCache
// (meta/auth_cache.h: a key seen recently needs no store read; revocations still apply at once).
// Thread-safe; holds references, so the store, clock and cache must outlive it.
class Authenticator {
 public:
  Authenticator(MetadataStore& store, const Clock& clock, AuthCache* cache = nullptr)
      : store_(store), clock_(clock), cache_(cache) {}

  // The project and key of a valid token: well formed, key_id known, secret matching (compared in
  // constant time), not revoked, and not expired (expires_at > now). Otherwise
  // InvalidApiKeyStatus(). A store failure passes through unchanged (e.g. kUnavailable), so an
  // outage is a 503, never a 403.
  Result<AuthContext> Authenticate(std::string_view token) const;

 private:
  MetadataStore& store_;
  const Clock& clock_;
  AuthCache* const cache_;
};

// Creates a key for the project named `project_name` (creating the project if needed) and returns
// its token, for `filesd keys create` and the key made at first start. kInvalidArgument if the name
// is empty; store errors pass through.
Result<std::string> CreateKeyForProject(MetadataStore& store, const Clock& clock,
                                        const std::string& project_name);

// As CreateKeyForProject, but only into a store that holds no key at all
// (MetadataStore::InsertFirstApiKey): of instances starting together on an empty store exactly one
// makes the first key. nullopt (nothing created) when some key exists.
Result<std::optional<std::string>> CreateFirstKeyForProject(MetadataStore& store,
                                                            const Clock& clock,
                                                            const std::string& project_name);

}  // namespace filesd
