// `filesd projects list|show|set-quota`: projects' usage and quotas, on the database of an existing
// data directory (cli/data_dir.h). Sizes are printed in bytes, so scripts can compare them.
#pragma once

#include "config/config.h"

namespace filesd {

// Runs the command; returns the process exit code (0, or kExitFailure with a message on stderr).
int RunProjects(const ProjectsCommand& command);

}  // namespace filesd
