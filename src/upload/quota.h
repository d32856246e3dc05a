// Per-project quotas (API.md section 8), checked early: from a declared size or while bytes stream,
// so an upload that cannot fit is refused before (or as soon as) its bytes pass the quota. The
// binding check is the metadata store's, in the transaction that makes the bytes count
// (meta/quota_rule.h); these early checks only save storing what would be refused there. Quotas
// are set with `filesd projects set-quota`; a project without quotas is never refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "meta/metadata_store.h"

namespace filesd {

struct QuotaState {
  MetadataStore::Usage usage;
  std::optional<uint64_t> quota_bytes;
  std::optional<uint64_t> quota_files;

  // kResourceExhausted if one more file of `bytes` bytes would pass a quota.
  Status CheckNewFile(uint64_t bytes) const;
  // kResourceExhausted if an existing file growing by `bytes` bytes would pass the byte quota.
  Status CheckGrowth(uint64_t bytes) const;
};

// The usage and quotas of `project_id` at `now`.
Result<QuotaState> LoadQuotaState(MetadataStore& meta, const std::string& project_id,
                                  int64_t now);

}  // namespace filesd
