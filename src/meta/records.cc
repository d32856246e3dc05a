#include "meta/records.h"

#include <array>

namespace filesd {
namespace {

struct StatusName {
  FileStatus status;
  std::string_view name;
};

// The wire names of API.md section 2; also what the SQL stores keep in files.status.
constexpr std::array<StatusName, 6> kStatusNames = {{
    {FileStatus::kPending, "pending"},
    {FileStatus::kUploading, "uploading"},
    {FileStatus::kUploaded, "uploaded"},
    {FileStatus::kProcessing, "processing"},
    {FileStatus::kProcessed, "processed"},
    {FileStatus::kError, "error"},
}};

constexpr std::array<std::string_view, 6> kPurposes = {
    "assistants", "batch", "fine-tune", "vision", "user_data", "evals",
};

}  // namespace

std::string_view FileStatusName(FileStatus s) {
  for (const StatusName& entry : kStatusNames) {
    if (entry.status == s) return entry.name;
  }
  return "error";  // unreachable for a valid enum value
}

std::optional<FileStatus> ParseFileStatus(std::string_view s) {
  for (const StatusName& entry : kStatusNames) {
    if (entry.name == s) return entry.status;
  }
  return std::nullopt;
}

bool IsKnownPurpose(std::string_view purpose) {
  for (std::string_view known : kPurposes) {
    if (known == purpose) return true;
  }
  return false;
}

}  // namespace filesd
