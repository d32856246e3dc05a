#include "lifecycle/janitor_turn.h"

#include <spdlog/spdlog.h>

namespace filesd {

Result<std::optional<JanitorReport>> RunJanitorTurn(NamedLease& lease, Janitor& janitor) {
  FILESD_ASSIGN_OR_RETURN(bool mine, lease.TryAcquire());
  if (!mine) return std::optional<JanitorReport>();
  Result<JanitorReport> report = janitor.RunOnce();
  if (Status s = lease.Release(); !s.ok()) {
    // It expires by itself; the next pass of any instance waits for that at worst.
    spdlog::warn("janitor: could not release the lease: {}", s.ToString());
  }
  if (!report.ok()) return report.status();
  return std::optional<JanitorReport>(std::move(*report));
}

}  // namespace filesd
