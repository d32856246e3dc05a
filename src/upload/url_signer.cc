#include "upload/url_signer.h"

#include <cstdint>

#include "base/crypto.h"

namespace filesd {
namespace {

constexpr size_t kMaxExtensionBytes = 16;
constexpr size_t kMaxContentTypeBytes = 255;
constexpr std::string_view kStorageDir = "files/";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::string StoragePathFor(std::string_view file_id, std::string_view filename) {
  std::string path = std::string(kStorageDir) + std::string(file_id);
  const size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) return path;
  const std::string_view ext = filename.substr(dot + 1);
  if (ext.empty() || ext.size() > kMaxExtensionBytes) return path;
  std::string lower;
  lower.reserve(ext.size());
  for (char c : ext) {
    const char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (!IsLowerAlnum(l)) return path;
    lower.push_back(l);
  }
  return path + "." + lower;
}

bool IsBindableContentType(std::string_view type) {
  if (type.empty() || type.size() > kMaxContentTypeBytes) return false;
  if (type.front() == ' ' || type.back() == ' ') return false;
  for (char c : type) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool IsSignableGrant(const UploadGrant& grant) {
  if (!IsUuid(grant.project_id) || !IsUuid(grant.file_id) || grant.expires_at < 0) return false;
  // Sizes are file sizes (off_t): at most INT64_MAX, which also bounds them to 19 digits.
  if (grant.size_bytes && *grant.size_bytes > static_cast<uint64_t>(INT64_MAX)) return false;
  if (grant.content_type && !IsBindableContentType(*grant.content_type)) return false;
  // The storage path must be exactly what StoragePathFor makes of this id and some extension.
  const std::string bare = std::string(kStorageDir) + grant.file_id;
  const std::string_view path = grant.storage_path;
  if (path.substr(0, bare.size()) != bare) return false;
  const std::string_view rest = path.substr(bare.size());
  if (rest.empty()) return true;
  if (rest.front() != '.' || rest.size() < 2 || rest.size() > kMaxExtensionBytes + 1) return false;
  for (char c : rest.substr(1)) {
    if (!IsLowerAlnum(c)) return false;
  }
  return true;
}

}  // namespace filesd
