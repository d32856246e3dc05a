#include "upload/upload_checks.h"

#include <string>

#include "base/crypto.h"
#include "meta/records.h"

namespace filesd {

Status NoSuchFile(std::string_view id, std::string_view param) {
  std::string message = "No such file";
  if (IsUuid(id)) message.append(": ").append(id);
  return NotFound(std::move(message), "file_not_found").WithParam(std::string(param));
}

Status FileTooLarge(uint64_t limit) {
  return PayloadTooLarge("file is larger than the limit of " + std::to_string(limit) + " bytes",
                         "file_too_large");
}

Status UnknownPurpose() {
  return InvalidArgument("purpose must be one of assistants, batch, fine-tune, vision, user_data, "
                         "evals")
      .WithParam("purpose");
}

Status CheckPurpose(std::string_view purpose) {
  return IsKnownPurpose(purpose) ? Status::Ok() : UnknownPurpose();
}

Result<int64_t> ExpiryFromCreation(int64_t created_at, int64_t seconds, int64_t now) {
  const int64_t at = created_at + seconds;
  if (at <= now) {
    return InvalidArgument("expires_after of " + std::to_string(seconds) +
                           " seconds from the file's creation has already passed")
        .WithParam("expires_after");
  }
  return at;
}

}  // namespace filesd
