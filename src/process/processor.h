// Processor: analysis of one file's content into the metadata of API.md section 6 and the text of
// section 7.
//
// Processors are pure over bytes: they read a ByteSource and never see HTTP, stores, ids or clocks, so
// they can run in the isolated worker (isolated_runner.h) and be fuzzed. They stream: memory stays
// bounded by the limits below whatever the file size. They never throw: a library that throws is
// wrapped and its failure becomes a Status.
//
// Errors every processor returns:
//  * kInvalidArgument (reason "invalid_file"): the content is not a valid file of this kind (malformed,
//    truncated). The message says what is wrong in words fit for the client.
//  * kPayloadTooLarge (reason "processing_limit"): a limit of ProcessLimits was hit (pixels, depth,
//    decompressed size, columns). The message names the limit.
//  * kInternal: an I/O error reading the source or a library failure unrelated to the content.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "process/byte_source.h"

namespace filesd::process {

// Limits of one analysis. The defaults suit a server analysing untrusted uploads of up to a few GB.
struct ProcessLimits {
  // Wall-clock budget of one analysis (enforced by the runner; the worker also sets RLIMIT_CPU).
  double max_seconds = 30;
  // Address-space limit of the worker process (RLIMIT_AS).
  uint64_t max_memory_bytes = uint64_t{2} << 30;
  // Images (and rendered PDF pages) with more pixels than this are refused before decoding.
  uint64_t max_pixels = 100'000'000;
  // PDF pages without a text layer that are rendered and read by OCR; later ones are skipped.
  int max_ocr_pages = 20;
  // Resolution at which PDF pages are rendered for OCR. 150 reads 6- to 11-point scans as well as 200
  // or 300 and takes a quarter less time (bench/ocr_bench.sh).
  int ocr_dpi = 150;
  // JSON nesting deeper than this is refused.
  int max_json_depth = 512;
  // Total bytes an archive (xlsx) may expand to; a zip bomb is refused, never expanded.
  uint64_t max_decompressed_bytes = uint64_t{512} << 20;
  // Size cap of ProcessOutput::text (cut at a UTF-8 character boundary).
  uint64_t max_text_bytes = uint64_t{8} << 20;
  // Tables (CSV, sheets) with more columns than this are refused.
  int max_columns = 2048;
};

// The result of one analysis.
struct ProcessOutput {
  std::string type;           // metadata.type: csv, excel, pdf, image, json, text, binary.
  std::string mime_type;      // The content's media type, e.g. "text/csv".
  std::string metadata_json;  // The JSON object `metadata` of API.md section 6: "type" and every
                              // field of the table for that type, plus "detected_by" and
                              // "extension_mismatch" (see sniff.h).
  std::string summary;        // processing_summary: one or two plain sentences.
  std::string text;           // The text of API.md section 7, valid UTF-8, at most max_text_bytes.
};

class Processor {
 public:
  virtual ~Processor() = default;
  // The metadata.type this processor produces ("csv", "image", ...).
  virtual std::string_view type() const = 0;
  // Analyses `src`. On success the output's type() equals type(), metadata_json is a JSON object with
  // "type" first and every field of its section-6 row, and text is within limits.max_text_bytes.
  // Errors: see the top of this file. Reads `src` only; not thread-safe on one source.
  virtual Result<ProcessOutput> Process(ByteSource& src, const ProcessLimits& limits) = 0;
};

// Stable reasons of processing failures (docs/errors.md).
inline constexpr std::string_view kReasonInvalidFile = "invalid_file";
inline constexpr std::string_view kReasonProcessingLimit = "processing_limit";

inline Status InvalidFile(std::string msg) {
  return InvalidArgument(std::move(msg), std::string(kReasonInvalidFile));
}
inline Status LimitExceeded(std::string msg) {
  return PayloadTooLarge(std::move(msg), std::string(kReasonProcessingLimit));
}

}  // namespace filesd::process
