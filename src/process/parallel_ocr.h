// ParallelOcr: reads page images by OCR on several threads, each with its own engine (ocr.h), while
// the caller's thread prepares the next pages (renders them, for a PDF).
//
// The caller submits pages with an index; at most two images per thread wait in the queue, so Submit
// blocks while it is full and memory stays bounded whatever the page count. Threads start with the
// first page submitted and each loads its own engine. Finish() waits for every page submitted and
// returns one result per page, in index order. Past `deadline` a page not yet started is not read and a
// page being read is cut short: both end kTimeLimit, so Finish() returns soon after the deadline.
// When no engine can be loaded (tesseract-ocr-eng missing) pages end kUnavailable.
// When the system starts fewer threads than asked, the pool runs on those; with none, pages end
// kUnavailable. Thread-safety: Submit and Finish are called from one thread; the pool's threads are its
// own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace filesd::process {

// An 8-bit grayscale image (rows `stride` bytes apart) and the resolution it was scanned at.
struct GrayImage {
  std::vector<uint8_t> pixels;
  int width = 0;
  int height = 0;
  int stride = 0;
  int dpi = 0;
};

enum class OcrPageStatus {
  kRead,         // text holds what was read (maybe empty).
  kTimeLimit,    // The deadline came first.
  kUnavailable,  // No OCR engine could be loaded.
};

struct OcrPageResult {
  int index = 0;
  OcrPageStatus status = OcrPageStatus::kRead;
  std::string text;
};

class ParallelOcr {
 public:
  // REQUIRES: threads >= 1.
  ParallelOcr(int threads, std::chrono::steady_clock::time_point deadline);
  // Finishes (waits for the threads) if Finish() was not called.
  ~ParallelOcr();
  ParallelOcr(const ParallelOcr&) = delete;
  ParallelOcr& operator=(const ParallelOcr&) = delete;

  // Queues page `index` (each index once). REQUIRES: image.width, height > 0, stride >= width,
  // pixels.size() >= stride * height.
  void Submit(int index, GrayImage image);
  // Every submitted page's result, by increasing index. Call once.
  std::vector<OcrPageResult> Finish();

 private:
  struct Job {
    int index;
    GrayImage image;
  };
  void Run();
  void Record(OcrPageResult result);

  const int threads_;
  const std::chrono::steady_clock::time_point deadline_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Job> queue_;               // Guarded by mu_.
  std::vector<OcrPageResult> results_;  // Guarded by mu_.
  int engines_failed_ = 0;              // Guarded by mu_: threads that could not load an engine (and ended).
  bool closing_ = false;                // Guarded by mu_: no more pages will come.
  std::vector<std::thread> workers_;    // Started with the first page.
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace filesd::process
