#include "meta/api_keys.h"

#include <cstdint>
#include <optional>

#include "base/crypto.h"

namespace filesd {
namespace {

constexpr char kBase32Alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
constexpr size_t kSecretBytes = 32;

bool IsBase32Char(char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// 60 random bits as 12 base32 characters (5 bits each, taken from 8 random bytes).
std::string NewKeyId() {
  const std::string random = RandomBytes(8);
  uint64_t bits = 0;
  for (char c : random) bits = (bits << 8) | static_cast<uint8_t>(c);
  std::string id(kApiKeyIdLength, 'a');
  for (size_t i = 0; i < kApiKeyIdLength; ++i) {
    id[i] = kBase32Alphabet[bits & 31];
    bits >>= 5;
  }
  return id;
}

}  // namespace

// A fast, unsalted hash is the right tool here, unlike for passwords: the secret is 256 bits from a
// CSPRNG, so there is no dictionary to try and no brute force is feasible however fast the hash;
// salting and slow KDFs (bcrypt, argon2) only defend low-entropy secrets, and would cost
// milliseconds of CPU on every request. SHA-256 keeps a stolen database useless for authenticating.
std::string HashApiKeySecret(std::string_view secret) { return Sha256::HexOf(secret); }

GeneratedKey GenerateApiKey() {
  GeneratedKey key;
  key.key_id = NewKeyId();
  const std::string secret = Base64UrlEncode(RandomBytes(kSecretBytes));
  key.secret_hash = HashApiKeySecret(secret);
  key.token.reserve(kApiKeyTokenLength);
  key.token.append(kApiKeyPrefix);
  key.token.append(key.key_id);
  key.token.push_back('_');
  key.token.append(secret);
  return key;
}

bool IsWellFormedKeyId(std::string_view key_id) {
  if (key_id.size() != kApiKeyIdLength) return false;
  for (char c : key_id) {
    if (!IsBase32Char(c)) return false;
  }
  return true;
}

Status InvalidApiKeyStatus() {
  return Status(StatusCode::kPermissionDenied,
                "The provided API key is invalid, inactive, or expired", "invalid_api_key");
}

Result<ParsedKey> ParseApiKey(std::string_view token) {
  if (token.size() != kApiKeyTokenLength ||
      token.substr(0, kApiKeyPrefix.size()) != kApiKeyPrefix) {
    return InvalidApiKeyStatus();
  }
  const std::string_view key_id = token.substr(kApiKeyPrefix.size(), kApiKeyIdLength);
  const size_t separator = kApiKeyPrefix.size() + kApiKeyIdLength;
  const std::string_view secret = token.substr(separator + 1);
  if (!IsWellFormedKeyId(key_id) || token[separator] != '_') return InvalidApiKeyStatus();
  for (char c : secret) {
    if (!IsBase64UrlChar(c)) return InvalidApiKeyStatus();
  }
  return ParsedKey{std::string(key_id), std::string(secret)};
}

namespace {

// FindKeyByToken() for a token already parsed.
Result<ApiKeyRecord> FindKeyByParsed(MetadataStore& store, const ParsedKey& parsed) {
  // An unknown key_id answers sooner than a wrong secret; that reveals only whether a public id
  // exists, never anything about a secret.
  Result<ApiKeyRecord> record = store.GetApiKey(parsed.key_id);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) return InvalidApiKeyStatus();
    return record;
  }
  if (!ConstantTimeEquals(HashApiKeySecret(parsed.secret), record->secret_hash)) {
    return InvalidApiKeyStatus();
  }
  return record;
}

}  // namespace

Result<ApiKeyRecord> FindKeyByToken(MetadataStore& store, std::string_view token) {
  FILESD_ASSIGN_OR_RETURN(ParsedKey parsed, ParseApiKey(token));
  return FindKeyByParsed(store, parsed);
}

Result<AuthContext> Authenticator::Authenticate(std::string_view token) const {
  FILESD_ASSIGN_OR_RETURN(ParsedKey parsed, ParseApiKey(token));
  AuthCache::Ticket ticket;
  if (cache_ != nullptr) {
    if (std::optional<AuthCache::Key> hit = cache_->Find(parsed.key_id, &ticket)) {
      // The same checks as below, on the cached copy of the (unrevoked) record.
      if (!ConstantTimeEquals(HashApiKeySecret(parsed.secret), hit->secret_hash)) {
        return InvalidApiKeyStatus();
      }
      if (hit->expires_at.has_value() && *hit->expires_at <= clock_.NowSeconds()) {
        return InvalidApiKeyStatus();
      }
      return AuthContext{std::move(hit->project_id), std::move(parsed.key_id)};
    }
  }
  FILESD_ASSIGN_OR_RETURN(ApiKeyRecord record, FindKeyByParsed(store_, parsed));
  const int64_t now = clock_.NowSeconds();
  if (record.revoked_at.has_value()) return InvalidApiKeyStatus();
  if (record.expires_at.has_value() && *record.expires_at <= now) return InvalidApiKeyStatus();
  if (cache_ != nullptr) {
    cache_->Insert(ticket, record.key_id,
                   AuthCache::Key{record.secret_hash, record.project_id, record.expires_at});
  }
  return AuthContext{std::move(record.project_id), std::move(record.key_id)};
}

namespace {

// Makes a key for project `project_name` (created if needed) and hands its record to `insert`,
// which answers whether it was stored; retries an id clash. Returns the token, or "" when `insert`
// refused (nothing stored).
template <typename Insert>
Result<std::string> CreateKeyWith(MetadataStore& store, const Clock& clock,
                                                 const std::string& project_name, Insert insert) {
  if (project_name.empty()) return InvalidArgument("project name is required");
  const int64_t now = clock.NowSeconds();
  FILESD_ASSIGN_OR_RETURN(const Project project, store.EnsureProject(project_name, now));
  // A clash of 60-bit random ids is all but impossible; retrying covers it anyway.
  constexpr int kAttempts = 3;
  Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    GeneratedKey key = GenerateApiKey();
    ApiKeyRecord record;
    record.key_id = key.key_id;
    record.project_id = project.id;
    record.secret_hash = std::move(key.secret_hash);
    record.created_at = now;
    Result<bool> stored = insert(record);
    if (stored.ok()) return *stored ? std::move(key.token) : std::string();
    last = stored.status();
    if (last.code() != StatusCode::kConflict) return last;
  }
  return last;
}

}  // namespace

Result<std::string> CreateKeyForProject(MetadataStore& store, const Clock& clock,
                                        const std::string& project_name) {
  return CreateKeyWith(store, clock, project_name, [&](const ApiKeyRecord& r) -> Result<bool> {
    FILESD_RETURN_IF_ERROR(store.InsertApiKey(r));
    return true;
  });
}

Result<std::optional<std::string>> CreateFirstKeyForProject(MetadataStore& store,
                                                            const Clock& clock,
                                                            const std::string& project_name) {
  FILESD_ASSIGN_OR_RETURN(
      std::string token, CreateKeyWith(store, clock, project_name, [&](const ApiKeyRecord& r) {
        return store.InsertFirstApiKey(r);
      }));
  if (token.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(token));
}

}  // namespace filesd
