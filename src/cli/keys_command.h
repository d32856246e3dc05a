// `filesd keys create|list|revoke`: the operator's key management, on the database of an existing
// data directory (cli/data_dir.h). Secrets are printed once, by `create`, and never otherwise:
// `revoke` given a whole key checks its secret but names the key by its id only.
#pragma once

#include "config/config.h"

namespace filesd {

// Runs the command; returns the process exit code (0, or kExitFailure with a message on stderr).
int RunKeys(const KeysCommand& command);

}  // namespace filesd
