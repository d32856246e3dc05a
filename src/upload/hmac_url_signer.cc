#include "upload/hmac_url_signer.h"

#include <charconv>
#include <limits>

#include "base/crypto.h"

namespace filesd {
namespace {

constexpr std::string_view kCanonicalVersion = "filesd-upload-url-v1";
constexpr std::string_view kStorageDir = "files/";
constexpr size_t kUuidChars = 36;

// Appends one field of the canonical string: "<name>=<length>:<value>\n", or "<name>!\n" if absent.
void AppendField(std::string* out, std::string_view name, const std::optional<std::string>& value) {
  out->append(name);
  if (!value) {
    out->append("!\n");
    return;
  }
  out->append("=");
  out->append(std::to_string(value->size()));
  out->append(":");
  out->append(*value);
  out->append("\n");
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (char c : s) {
    if (IsUnreserved(c)) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xf]);
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; '+' stays '+' (RFC 3986, not HTML forms). nullopt on a broken escape.
std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = HexValue(s[i + 1]);
    const int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// A decimal number of at most 19 digits (no sign, no spaces), or nullopt.
std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

Status InvalidUrl() {
  return Status(StatusCode::kPermissionDenied,
                "The upload URL is not valid: its signature does not match",
                std::string(kReasonInvalidSignature));
}

Status ExpiredUrl() {
  return Status(StatusCode::kPermissionDenied,
                "The upload URL has expired; request a new one from /v1/files/upload-url",
                std::string(kReasonUrlExpired));
}

// The query parameters a signed URL carries, each at most once.
struct SignedQuery {
  std::optional<std::string> project;
  std::optional<std::string> expires;
  std::optional<std::string> size;
  std::optional<std::string> type;
  std::optional<std::string> sig;
};

// Splits and decodes the query. False on a broken escape or a repeated known parameter.
bool ParseSignedQuery(std::string_view query, SignedQuery* out) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view item = query.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    const std::string_view raw =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    std::optional<std::string>* slot = nullptr;
    if (name == "project") {
      slot = &out->project;
    } else if (name == "expires") {
      slot = &out->expires;
    } else if (name == "size") {
      slot = &out->size;
    } else if (name == "type") {
      slot = &out->type;
    } else if (name == "sig") {
      slot = &out->sig;
    } else {
      continue;  // not signed, grants nothing
    }
    if (slot->has_value()) return false;
    auto value = PercentDecode(raw);
    if (!value) return false;
    *slot = std::move(value);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<HmacUrlSigner>> HmacUrlSigner::Create(std::string key, SecretEquals equals) {
  if (key.size() < kMinKeyBytes) {
    return InvalidArgument("the URL signing secret must be at least " +
                           std::to_string(kMinKeyBytes) + " bytes long");
  }
  return std::unique_ptr<HmacUrlSigner>(new HmacUrlSigner(std::move(key), equals));
}

std::string HmacUrlSigner::CanonicalString(const UploadGrant& grant) {
  std::string out(kCanonicalVersion);
  out.push_back('\n');
  AppendField(&out, "project", grant.project_id);
  AppendField(&out, "file", grant.file_id);
  AppendField(&out, "path", grant.storage_path);
  AppendField(&out, "expires", std::to_string(grant.expires_at));
  AppendField(&out, "size",
              grant.size_bytes ? std::optional<std::string>(std::to_string(*grant.size_bytes))
                               : std::nullopt);
  AppendField(&out, "type", grant.content_type);
  return out;
}

std::string HmacUrlSigner::Signature(const UploadGrant& grant) const {
  return Base64UrlEncode(HmacSha256(key_, CanonicalString(grant)));
}

std::string HmacUrlSigner::SignedTarget(const UploadGrant& grant) const {
  FILESD_CHECK(IsSignableGrant(grant));
  std::string target(kSignedUploadPathPrefix);
  target.append(std::string_view(grant.storage_path).substr(kStorageDir.size()));
  target.append("?project=");
  target.append(grant.project_id);
  target.append("&expires=");
  target.append(std::to_string(grant.expires_at));
  if (grant.size_bytes) {
    target.append("&size=");
    target.append(std::to_string(*grant.size_bytes));
  }
  if (grant.content_type) {
    target.append("&type=");
    target.append(PercentEncode(*grant.content_type));
  }
  target.append("&sig=");
  target.append(Signature(grant));
  return target;
}

Result<UploadGrant> HmacUrlSigner::Verify(std::string_view target, int64_t now) const {
  if (target.substr(0, kSignedUploadPathPrefix.size()) != kSignedUploadPathPrefix) {
    return InvalidUrl();
  }
  target.remove_prefix(kSignedUploadPathPrefix.size());
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return InvalidUrl();
  const std::string_view basename = target.substr(0, q);
  if (basename.size() < kUuidChars) return InvalidUrl();

  SignedQuery query;
  if (!ParseSignedQuery(target.substr(q + 1), &query)) return InvalidUrl();
  if (!query.project || !query.expires || !query.sig) return InvalidUrl();

  UploadGrant grant;
  grant.file_id = std::string(basename.substr(0, kUuidChars));
  grant.storage_path = std::string(kStorageDir) + std::string(basename);
  grant.project_id = std::move(*query.project);
  const auto expires = ParseDecimal(*query.expires);
  if (!expires || *expires > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return InvalidUrl();
  }
  grant.expires_at = static_cast<int64_t>(*expires);
  if (query.size) {
    grant.size_bytes = ParseDecimal(*query.size);
    if (!grant.size_bytes) return InvalidUrl();
  }
  grant.content_type = std::move(query.type);
  if (!IsSignableGrant(grant)) return InvalidUrl();

  // The one comparison with the secret-derived value: constant time over the whole signature.
  if (!equals_(*query.sig, Signature(grant))) return InvalidUrl();
  if (now > grant.expires_at) return ExpiredUrl();
  return grant;
}

}  // namespace filesd
