// The "pdf" processor (poppler, and tesseract for pages without a text layer).
//
// metadata: {"type":"pdf","page_count":N,"encrypted":bool,"title":".."|null,"author":".."|null,
//            "text_chars":N,"ocr_pages":N}
//  * encrypted: the document is encrypted (with or without a user password). A document locked by a
//    user password is reported with its page count and no text.
//  * text_chars: code points of the pages' text (each page trimmed of trailing white space), OCR
//    included, separators not.
//  * ocr_pages: pages without a text layer that were rendered in grey (at ocr_dpi, lowered so that the
//    bitmap stays within max_pixels) and read by OCR: at most max_ocr_pages, and only while 80% of
//    max_seconds has not passed; later such pages are left unread.
// text: the pages' text in order, each trimmed of trailing white space and joined by form feeds
// ("\f"), cut at max_text_bytes.
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
