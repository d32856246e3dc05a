// OCR of 8-bit grayscale images with tesseract (English), shared by the image and PDF processors.
//
// The engine loads the "eng" model from the system's tessdata (TESSDATA_PREFIX, else tesseract's
// default directory); tesseract-ocr-eng provides it. Recognition stops at a deadline and returns what
// was read by then, so OCR never makes a file fail by itself. Not thread-safe: one engine per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace tesseract {
class TessBaseAPI;
}

namespace filesd::process {

class OcrEngine {
 public:
  // Loads the English model. kInternal when it cannot be loaded (tesseract-ocr-eng missing).
  static Result<std::unique_ptr<OcrEngine>> Create();
  ~OcrEngine();
  OcrEngine(const OcrEngine&) = delete;
  OcrEngine& operator=(const OcrEngine&) = delete;

  // The text of a grayscale image (one byte per pixel, rows `stride` bytes apart) scanned at `dpi`,
  // trimmed of leading and trailing white space; empty when nothing was read. Stops at `deadline`.
  // REQUIRES: width, height > 0, stride >= width.
  std::string Recognize(const uint8_t* pixels, int width, int height, int stride, int dpi,
                        std::chrono::steady_clock::time_point deadline);

 private:
  explicit OcrEngine(std::unique_ptr<tesseract::TessBaseAPI> api);
  std::unique_ptr<tesseract::TessBaseAPI> api_;
};

}  // namespace filesd::process
