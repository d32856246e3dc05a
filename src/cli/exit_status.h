// How the `filesd` commands end: the exit code of a failure, and its one-line report on stderr.
#pragma once

#include "base/status.h"

namespace filesd {

inline constexpr int kExitFailure = 1;  // the command ran and failed (usage errors exit 2)

// Prints "filesd: <status>" on stderr and returns kExitFailure.
int Fail(const Status& status);

}  // namespace filesd
