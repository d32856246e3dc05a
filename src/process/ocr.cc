#include "process/ocr.h"

#include <sched.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>

#include <algorithm>
#include <thread>

namespace filesd::process {

OcrEngine::OcrEngine(std::unique_ptr<tesseract::TessBaseAPI> api) : api_(std::move(api)) {}

OcrEngine::~OcrEngine() {
  if (api_) api_->End();
}

Result<std::unique_ptr<OcrEngine>> OcrEngine::Create() {
  auto api = std::make_unique<tesseract::TessBaseAPI>();
  // Tesseract prints warnings on stderr unless told where to put them.
  api->SetVariable("debug_file", "/dev/null");
  if (api->Init(nullptr, "eng", tesseract::OEM_LSTM_ONLY) != 0) {
    return Internal("OCR is unavailable: the English model cannot be loaded");
  }
  api->SetPageSegMode(tesseract::PSM_AUTO);
  // Tesseract 5 reads again, inverted, every line it is unsure of (white on black text); on scans of
  // dark text on light paper that doubles the time of noisy pages for nothing.
  api->SetVariable("tessedit_do_invert", "0");
  return std::unique_ptr<OcrEngine>(new OcrEngine(std::move(api)));
}

std::optional<std::string> OcrEngine::Recognize(const uint8_t* pixels, int width, int height, int stride,
                                                int dpi, std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
          .count();
  if (left <= 0) return std::nullopt;
  api_->SetImage(pixels, width, height, 1, stride);
  api_->SetSourceResolution(std::clamp(dpi, 70, 1200));
  tesseract::ETEXT_DESC monitor;
  monitor.set_deadline_msecs(static_cast<int32_t>(std::min<int64_t>(left, INT32_MAX)));
  std::string text;
  const bool done = api_->Recognize(&monitor) == 0;
  if (monitor.deadline_exceeded()) {
    api_->Clear();
    return std::nullopt;
  }
  if (done) {
    std::unique_ptr<char[]> utf8(api_->GetUTF8Text());
    if (utf8) text = utf8.get();
  }
  api_->Clear();
  const size_t begin = text.find_first_not_of(" \t\r\n\f");
  if (begin == std::string::npos) return std::string();
  const size_t end = text.find_last_not_of(" \t\r\n\f");
  return text.substr(begin, end - begin + 1);
}

int OcrThreadCount(const ProcessLimits& limits) {
  int cpus = 0;
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
  if (cpus <= 0) cpus = static_cast<int>(std::thread::hardware_concurrency());
  const auto by_memory = static_cast<int>(std::min<uint64_t>(limits.max_memory_bytes / kOcrThreadBytes, 64));
  return std::max(1, std::min({cpus, kMaxOcrThreads, by_memory}));
}

}  // namespace filesd::process
