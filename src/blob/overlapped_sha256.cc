#include "blob/overlapped_sha256.h"

#include <system_error>
#include <utility>

namespace filesd {

OverlappedSha256::~OverlappedSha256() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void OverlappedSha256::Start(std::string_view data) {
  if (data.size() < kMinOverlapBytes || thread_failed_) {
    sha256_->Update(data);
    return;
  }
  if (!thread_.joinable()) {
    // std::thread reports failure with an exception; it must not leave this module.
    try {
      thread_ = std::thread([this] { Loop(); });
    } catch (const std::system_error&) {
      thread_failed_ = true;
      sha256_->Update(data);
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    work_ = data;
    has_work_ = true;
  }
  cv_.notify_all();
}

void OverlappedSha256::Wait() {
  if (!thread_.joinable()) return;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !has_work_; });
}

Status OverlappedSha256::Resume(std::string_view state) {
  Wait();
  FILESD_ASSIGN_OR_RETURN(sha256_, Sha256::Resume(state));
  return Status::Ok();
}

std::string OverlappedSha256::ExportState() {
  Wait();
  return sha256_->ExportState();
}

std::string OverlappedSha256::FinishHex() {
  Wait();
  return sha256_->FinishHex();
}

void OverlappedSha256::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return has_work_ || stop_; });
    if (has_work_) {
      const std::string_view data = work_;
      lock.unlock();
      sha256_->Update(data);
      lock.lock();
      work_ = {};
      has_work_ = false;
      cv_.notify_all();
      continue;
    }
    if (stop_) return;
  }
}

}  // namespace filesd
