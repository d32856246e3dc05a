// The quota rule (API.md section 8), in one place: the metadata store applies it in the same
// transaction that makes a file count (so concurrent uploads cannot together pass a quota), and the
// upload flows apply it early, from a declared size, to refuse before any byte is stored.
#pragma once

#include <cstdint>
#include <optional>

#include "base/status.h"

namespace filesd {

struct QuotaLimits {
  std::optional<uint64_t> bytes;  // nullopt: no byte quota
  std::optional<uint64_t> files;  // nullopt: no file-count quota
};

// kResourceExhausted with reason "storage_quota_exceeded" when a project using `used_bytes` in
// `used_files` files would pass a limit by storing `add_bytes` more bytes in `add_files` more
// files; OK otherwise. Only growth is refused: a project already over a lowered quota may still
// shrink, and a change that adds nothing always passes.
Status CheckQuota(const QuotaLimits& limits, uint64_t used_bytes, uint64_t used_files,
                  uint64_t add_bytes, uint64_t add_files);

}  // namespace filesd
