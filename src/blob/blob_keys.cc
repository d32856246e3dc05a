#include "blob/blob_keys.h"

#include "base/crypto.h"

namespace filesd::blob_keys {

std::string NewContentKey(std::string_view file_id) {
  return "content/" + std::string(file_id) + "/" + NewUuidV4();
}

std::string TextKey(std::string_view file_id) { return "text/" + std::string(file_id); }

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  size_t segment_len = 0;
  for (char c : key) {
    if (c == '/') {
      if (segment_len == 0) return false;
      segment_len = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
    ++segment_len;
  }
  return segment_len != 0;  // no trailing '/'; '.' is not in the alphabet, so "." and ".." cannot occur
}

}  // namespace filesd::blob_keys
