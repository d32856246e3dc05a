// The "image" processor (libvips).
//
// metadata: {"type":"image","format":"png"|"jpeg"|"gif"|"webp"|"tiff"|"bmp","width":N,"height":N,
//            "color_mode":"1"|"L"|"LA"|"P"|"RGB"|"RGBA"|"CMYK"|"I;16"|...,"bit_depth":N,"frames":N,
//            "truncated":bool,"truncation_reasons":[..]}
// Only the header is read to fill it: an image whose width x height exceeds max_pixels is refused
// (kPayloadTooLarge, processing_limit) before any pixel is decoded. color_mode uses PIL's names so that
// clients written against the Python seed see the same values.
// text: the OCR text of the image (English), when it has at most max_pixels pixels and max_ocr_pages
// is not 0; empty when nothing is read. When the image was not read or its text was cut, "truncated"
// is true and truncation_reasons says why (truncation.h): ocr_page_limit (max_ocr_pages is 0),
// time_limit (60% of max_seconds passed), ocr_unavailable (no OCR model, or BMP, which has no decoder
// for OCR), text_size_limit; the summary says it in a sentence.
#pragma once

#include "process/processor.h"

namespace filesd::process {

class ImageProcessor final : public Processor {
 public:
  std::string_view type() const override { return "image"; }
  // REQUIRES: src.file_path() is not empty (libvips opens the file itself). kInvalidArgument otherwise.
  Result<ProcessOutput> Process(ByteSource& src, const ProcessLimits& limits) override;
};

}  // namespace filesd::process
