// ProcessFile: the whole analysis of one file: sniff its type (sniff.h), pick the processor, run it.
//
// This is what the worker runs; the server never calls it in-process on untrusted content (it uses
// RunIsolated, isolated_runner.h). The metadata of the result always carries "type" first, the fields
// of its section-6 row, then "detected_by" and "extension_mismatch" (sniff.h).
//
// A file of no supported kind succeeds with type "binary": metadata
// {"type":"binary","mime_type":"<libmagic's answer>","detected_by":..,"extension_mismatch":..}, an
// empty text, and a summary giving the size and media type.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "process/byte_source.h"
#include "process/processor.h"
#include "process/sniff.h"

namespace filesd::process {

// The processor for a kind, or nullptr for kBinary.
std::unique_ptr<Processor> NewProcessor(const SniffResult& sniff);

// Analyses `src`, named `filename` by the client (only its extension is used).
// Errors: those of the processor (processor.h), kInternal on an I/O or libmagic failure.
Result<ProcessOutput> ProcessSource(ByteSource& src, std::string_view filename, const ProcessLimits& limits);

// Opens `path` and analyses it. kNotFound when the file does not exist.
Result<ProcessOutput> ProcessFile(const std::string& path, std::string_view filename,
                                  const ProcessLimits& limits);

}  // namespace filesd::process
