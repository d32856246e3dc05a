// The "pdf" processor (poppler, and tesseract for pages without a text layer).
//
// metadata: {"type":"pdf","page_count":N,"encrypted":bool,"title":".."|null,"author":".."|null,
//            "text_chars":N,"ocr_pages":N,"ocr_skipped_pages":[{"first":N,"last":N,"reason":".."}],
//            "ocr_skipped_page_count":N,"truncated":bool,"truncation_reasons":[".."]}
//  * encrypted: the document is encrypted (with or without a user password). A document locked by a
//    user password is reported with its page count and no text (truncated, reason "password").
//  * text_chars: code points of the pages' text (each page trimmed of trailing white space), OCR
//    included, separators not.
//  * ocr_pages: pages without a text layer that were rendered in grey (at ocr_dpi, lowered so that the
//    bitmap stays within max_pixels) and read whole by OCR. The first max_ocr_pages such pages are
//    rendered here one after another and read on OcrThreadCount threads (ocr.h, parallel_ocr.h) while
//    80% of max_seconds has not passed, so the worker answers before the runner's kill.
//  * ocr_skipped_pages: the pages without a text layer that OCR did not read, as ranges of one reason
//    (truncation.h: ocr_page_limit, time_limit, text_size_limit, ocr_unavailable, pixel_limit,
//    render_failed), at most 100 ranges; ocr_skipped_page_count counts them all.
//  * truncated / truncation_reasons: whether the text misses anything (a page not read, the text cut at
//    max_text_bytes, a password), and why; false and [] otherwise.
// summary: pages, title, author, characters, pages read by OCR, then one sentence per reason naming the
// pages not read, e.g. "Pages 11-20 were not read by OCR (time limit of 30 s reached)."
// text: every page's text in order, each trimmed of trailing white space and joined by form feeds
// ("\f") whether it came from the text layer or OCR; a page not read is empty, so page N is always the
// Nth part. Cut at max_text_bytes.
#pragma once

#include "process/processor.h"

namespace filesd::process {

class PdfProcessor final : public Processor {
 public:
  std::string_view type() const override { return "pdf"; }
  // REQUIRES: src.file_path() is not empty (poppler opens the file itself). kInvalidArgument otherwise.
  Result<ProcessOutput> Process(ByteSource& src, const ProcessLimits& limits) override;
};

}  // namespace filesd::process
