// Sizes in bytes as operators write them: "10MB", "8GiB", "512 KiB", "4096".
//
// Grammar: a non-negative decimal integer, optional spaces, and an optional unit, case-insensitive:
//   (none) or B                  bytes
//   kB KB MB GB TB               powers of 1000 (SI)
//   KiB MiB GiB TiB              powers of 1024 (IEC)
// Surrounding spaces are ignored. Fractions ("1.5GB"), signs, single-letter units ("10M", whose
// base is ambiguous) and values above 2^64-1 bytes are refused. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace filesd {

// The number of bytes `text` names, or kInvalidArgument with a message that quotes `text` and says
// what is accepted.
Result<uint64_t> ParseByteSize(std::string_view text);

// `bytes` in the shortest exact form ParseByteSize reads back: "8GiB", "16KiB", "1MB", "1000".
std::string FormatByteSize(uint64_t bytes);

}  // namespace filesd
