// OCR of 8-bit grayscale images with tesseract (English), shared by the image and PDF processors.
//
// The engine loads the "eng" model from the system's tessdata (TESSDATA_PREFIX, else tesseract's
// default directory); tesseract-ocr-eng provides it. Recognition stops at a deadline, so OCR never
// makes a file fail by itself; the caller learns whether a page was read whole or cut short.
// Not thread-safe: one engine per thread (ParallelOcr, parallel_ocr.h, runs several).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "process/processor.h"

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
  // trimmed of leading and trailing white space; empty when nothing was read. nullopt when `deadline`
  // passed before recognition finished (what was read by then is dropped: the image counts as unread).
  // REQUIRES: width, height > 0, stride >= width.
  std::optional<std::string> Recognize(const uint8_t* pixels, int width, int height, int stride, int dpi,
                                       std::chrono::steady_clock::time_point deadline);

 private:
  explicit OcrEngine(std::unique_ptr<tesseract::TessBaseAPI> api);
  std::unique_ptr<tesseract::TessBaseAPI> api_;
};

// Address space one OCR thread may need (its engine, a page bitmap, its stack and malloc arena).
inline constexpr uint64_t kOcrThreadBytes = uint64_t{256} << 20;
// Upper bound of OCR threads in one analysis, whatever the machine.
inline constexpr int kMaxOcrThreads = 4;

// Threads that read pages by OCR in one analysis: the CPUs this process may run on, at most
// kMaxOcrThreads, and at most one per kOcrThreadBytes of limits.max_memory_bytes; at least 1.
int OcrThreadCount(const ProcessLimits& limits);

}  // namespace filesd::process
