#include "blob/aligned_buffer_pool.h"

#include <cstdlib>
#include <new>
#include <utility>

#include "base/status.h"

namespace filesd {

AlignedBuffer::~AlignedBuffer() { Reset(); }

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      pool_(std::move(other.pool_)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    Reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    pool_ = std::move(other.pool_);
  }
  return *this;
}

void AlignedBuffer::Reset() {
  if (data_ == nullptr) return;
  if (auto pool = pool_.lock()) {
    pool->Return(data_);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  size_ = 0;
}

std::shared_ptr<AlignedBufferPool> AlignedBufferPool::Create(size_t buffer_bytes,
                                                             size_t max_idle) {
  FILESD_CHECK(buffer_bytes > 0 && buffer_bytes % kAlignment == 0);
  return std::shared_ptr<AlignedBufferPool>(new AlignedBufferPool(buffer_bytes, max_idle));
}

AlignedBufferPool::~AlignedBufferPool() {
  for (char* p : idle_) std::free(p);
}

AlignedBuffer AlignedBufferPool::Acquire() {
  char* data = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      data = idle_.back();
      idle_.pop_back();
    }
  }
  if (data == nullptr) {
    data = static_cast<char*>(std::aligned_alloc(kAlignment, buffer_bytes_));
    if (data == nullptr) throw std::bad_alloc();
  }
  return AlignedBuffer(data, buffer_bytes_, weak_from_this());
}

size_t AlignedBufferPool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

void AlignedBufferPool::Return(char* data) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(data);
      return;
    }
  }
  std::free(data);
}

}  // namespace filesd
