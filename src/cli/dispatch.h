// The `filesd` command line: parses it and runs the command it names. The operator's commands
// (`keys ...`, `projects ...`) run here; a valid `serve` configuration is handed to `serve`, the
// composition root's function (main.cc), so this folder never names the server's parts.
#pragma once

#include "config/config.h"

namespace filesd {

// Runs `serve(config)` for a valid `serve`; returns the process exit code (2 for usage errors and an
// invalid configuration, each problem printed on stderr).
int RunCommandLine(int argc, char** argv, int (*serve)(ServeConfig config));

}  // namespace filesd
