// What an analysis left out of a file's text, and why: the "truncated", "truncation_reasons" and (for
// pages) "ocr_skipped_pages" metadata fields, and the summary sentences that say the same in words.
//
// A text is truncated when part of the file was not read (a page OCR did not reach, an image not read
// at all) or the text was cut at max_text_bytes. The reasons are stable codes (docs/api.md):
//   ocr_page_limit   more pages without a text layer than max_ocr_pages (--max-ocr-pages; 0 turns
//                    OCR off, for images too)
//   time_limit       OCR's share of the processing time limit (--process-timeout) ran out
//   text_size_limit  the text reached max_text_bytes
//   ocr_unavailable  no OCR for this content (the OCR model is not installed, or the image format
//                    cannot be decoded for OCR)
//   pixel_limit      the page is too large to render within max_pixels
//   render_failed    the page could not be rendered
//   password         the document is locked by a password
// Not thread-safe; plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "process/json_writer.h"
#include "process/processor.h"

namespace filesd::process {

enum class TruncationReason {
  kOcrPageLimit,
  kTimeLimit,
  kTextSizeLimit,
  kOcrUnavailable,
  kPixelLimit,
  kRenderFailed,
  kPassword,
};

std::string_view TruncationCode(TruncationReason reason);

// The reasons a text falls short, each once, in the order first noted.
class Truncation {
 public:
  void Add(TruncationReason reason);
  bool truncated() const { return !reasons_.empty(); }
  bool Has(TruncationReason reason) const;
  // Writes "truncated":bool,"truncation_reasons":[codes] into the object being written.
  void WriteFields(JsonWriter& w) const;

 private:
  std::vector<TruncationReason> reasons_;
};

// Pages (numbered from 1) that OCR did not read, as ranges of consecutive pages with one reason.
class SkippedPages {
 public:
  // At most this many ranges are listed in the metadata; the count stays exact.
  static constexpr size_t kMaxListedRanges = 100;

  // REQUIRES: pages are added in increasing order.
  void Add(int page, TruncationReason reason);
  uint64_t count() const { return count_; }
  // Writes "ocr_skipped_pages":[{"first":N,"last":N,"reason":code},..],"ocr_skipped_page_count":N.
  void WriteFields(JsonWriter& w) const;
  // One sentence per reason, e.g. "Pages 11-20 were not read by OCR (time limit of 30 s reached)."
  // Empty when no page was skipped. Each sentence starts with a space.
  std::string Sentences(const ProcessLimits& limits) const;

 private:
  struct Range {
    int first;
    int last;
    TruncationReason reason;
  };
  std::vector<Range> ranges_;  // All of them (the count of ranges is at most the page count).
  uint64_t count_ = 0;
};

// Why in words, for a summary: "time limit of 30 s reached", "limit of 20 OCR pages", ...
std::string TruncationWhy(TruncationReason reason, const ProcessLimits& limits);

}  // namespace filesd::process
