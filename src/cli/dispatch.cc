#include "cli/dispatch.h"

#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "cli/keys_command.h"
#include "cli/projects_command.h"

namespace filesd {

int RunCommandLine(int argc, char** argv, int (*serve)(ServeConfig config)) {
  auto parsed = ParseCommandLine(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  auto& command = std::get<CommandLine>(parsed).command;
  if (auto* keys = std::get_if<KeysCommand>(&command)) return RunKeys(*keys);
  if (auto* projects = std::get_if<ProjectsCommand>(&command)) return RunProjects(*projects);
  ServeConfig& config = std::get<ServeConfig>(command);
  const std::vector<std::string> problems = Validate(config);
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "filesd: %s\n", p.c_str());
    return 2;
  }
  return serve(std::move(config));
}

}  // namespace filesd
