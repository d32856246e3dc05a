// The wire format between the server (isolated_runner.h) and filesd-worker: the limits go in as one
// JSON argument, the answer comes back as one JSON object on the worker's stdout.
//
// Answer on success: {"ok":true,"type":..,"mime_type":..,"metadata_json":"<the metadata object as a
// JSON string>","summary":..,"text":..}. On failure: {"ok":false,"code":"<StatusCodeName>",
// "reason":..,"message":..}. Both sides are in this file so they cannot drift apart.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "process/processor.h"

namespace filesd::process {

// {"max_seconds":30,"max_memory_bytes":...,...}: every field of ProcessLimits.
std::string LimitsToJson(const ProcessLimits& limits);
// The inverse. Absent fields keep their defaults; an unknown field, a wrong type or a value out of
// range (negative, zero time or memory) is kInvalidArgument.
Result<ProcessLimits> LimitsFromJson(std::string_view json);

// The worker's answer for `result`.
std::string EncodeWorkerAnswer(const Result<ProcessOutput>& result);
// The answer read back: the output, or the Status the worker reported (same code, reason, message).
// kInternal when `json` is not a well-formed answer.
Result<ProcessOutput> DecodeWorkerAnswer(std::string_view json);

}  // namespace filesd::process
