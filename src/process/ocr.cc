#include "process/ocr.h"

#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>

#include <algorithm>

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
  return std::unique_ptr<OcrEngine>(new OcrEngine(std::move(api)));
}

std::string OcrEngine::Recognize(const uint8_t* pixels, int width, int height, int stride, int dpi,
                                 std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
          .count();
  if (left <= 0) return "";
  api_->SetImage(pixels, width, height, 1, stride);
  api_->SetSourceResolution(std::clamp(dpi, 70, 1200));
  tesseract::ETEXT_DESC monitor;
  monitor.set_deadline_msecs(static_cast<int32_t>(std::min<int64_t>(left, INT32_MAX)));
  std::string text;
  if (api_->Recognize(&monitor) == 0) {
    std::unique_ptr<char[]> utf8(api_->GetUTF8Text());
    if (utf8) text = utf8.get();
  }
  api_->Clear();
  const size_t begin = text.find_first_not_of(" \t\r\n\f");
  if (begin == std::string::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r\n\f");
  return text.substr(begin, end - begin + 1);
}

}  // namespace filesd::process
