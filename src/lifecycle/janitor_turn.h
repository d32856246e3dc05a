// A janitor pass taken in turn by the instances sharing one metadata store: it runs only while this
// instance holds the named lease "janitor" (coord/named_lease.h), which it frees when done, so one
// instance at a time does the work. The janitor stays safe to run concurrently (lifecycle/
// janitor.h): the lease saves the others the duplicate work, it does not protect data.
#pragma once

#include <optional>

#include "base/status.h"
#include "coord/named_lease.h"
#include "lifecycle/janitor.h"

namespace filesd {

inline constexpr char kJanitorLeaseName[] = "janitor";

// Runs one janitor pass if `lease` can be taken; nullopt if another instance holds it. The lease is
// released after the pass, whatever its outcome. Store errors of the lease or of the pass return.
Result<std::optional<JanitorReport>> RunJanitorTurn(NamedLease& lease, Janitor& janitor);

}  // namespace filesd
