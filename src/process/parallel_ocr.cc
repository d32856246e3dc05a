#include "process/parallel_ocr.h"

#include <algorithm>
#include <memory>
#include <system_error>
#include <utility>

#include "process/ocr.h"

namespace filesd::process {

ParallelOcr::ParallelOcr(int threads, std::chrono::steady_clock::time_point deadline)
    : threads_(std::max(1, threads)), deadline_(deadline) {}

ParallelOcr::~ParallelOcr() {
  if (!finished_) Finish();
}

void ParallelOcr::Submit(int index, GrayImage image) {
  if (!started_) {
    started_ = true;
    // Fewer threads when the system refuses some (RLIMIT_NPROC); with none, pages are not read.
    for (int i = 0; i < threads_; ++i) {
      try {
        workers_.emplace_back([this] { Run(); });
      } catch (const std::system_error&) {
        break;
      }
    }
  }
  const int started = static_cast<int>(workers_.size());
  std::unique_lock lock(mu_);
  // Bounded queue; when no thread has an engine nobody will take the page.
  changed_.wait(
      lock, [&] { return queue_.size() < 2 * static_cast<size_t>(threads_) || engines_failed_ == started; });
  if (engines_failed_ == started) {
    results_.push_back({index, OcrPageStatus::kUnavailable, {}});
    return;
  }
  queue_.push_back({index, std::move(image)});
  changed_.notify_all();
}

void ParallelOcr::Record(OcrPageResult result) {
  std::lock_guard lock(mu_);
  results_.push_back(std::move(result));
}

void ParallelOcr::Run() {
  Result<std::unique_ptr<OcrEngine>> engine = OcrEngine::Create();
  if (!engine.ok()) {
    std::lock_guard lock(mu_);
    ++engines_failed_;
    changed_.notify_all();
    return;
  }
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      changed_.notify_all();  // Room in the queue for the producer.
    }
    std::optional<std::string> text =
        (*engine)->Recognize(job.image.pixels.data(), job.image.width, job.image.height, job.image.stride,
                             job.image.dpi, deadline_);
    job.image = GrayImage();  // Free the bitmap before waiting for the next one.
    if (text) {
      Record({job.index, OcrPageStatus::kRead, std::move(*text)});
    } else {
      Record({job.index, OcrPageStatus::kTimeLimit, {}});
    }
  }
}

std::vector<OcrPageResult> ParallelOcr::Finish() {
  finished_ = true;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    changed_.notify_all();
  }
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  // Pages left in the queue: every thread ended without an engine.
  for (Job& job : queue_) results_.push_back({job.index, OcrPageStatus::kUnavailable, {}});
  queue_.clear();
  std::sort(results_.begin(), results_.end(),
            [](const OcrPageResult& a, const OcrPageResult& b) { return a.index < b.index; });
  return std::move(results_);
}

}  // namespace filesd::process
