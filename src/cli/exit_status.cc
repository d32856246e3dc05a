#include "cli/exit_status.h"

#include <cstdio>

namespace filesd {

int Fail(const Status& status) {
  std::fprintf(stderr, "filesd: %s\n", status.ToString().c_str());
  return kExitFailure;
}

}  // namespace filesd
