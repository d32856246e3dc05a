// AlignedBufferPool: fixed-size, page-aligned buffers that are handed back and reused, so a writer
// streaming a large upload never allocates (or faults in fresh pages) per buffer, and the next upload
// reuses the pages the last one touched. The pool keeps at most `max_idle` buffers; beyond that a
// returned buffer is freed.
//
// Thread-safe. Buffers outlive nothing: AlignedBuffer frees its memory itself if the pool is gone,
// so the pool is shared (std::shared_ptr) by whoever may return a buffer late.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace filesd {

class AlignedBufferPool;

// One buffer of the pool's size, owned; moved, never copied. Empty after a move.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer();
  AlignedBuffer(AlignedBuffer&& other) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  char* data() const { return data_; }
  size_t size() const { return size_; }
  explicit operator bool() const { return data_ != nullptr; }

 private:
  friend class AlignedBufferPool;
  AlignedBuffer(char* data, size_t size, std::weak_ptr<AlignedBufferPool> pool)
      : data_(data), size_(size), pool_(std::move(pool)) {}
  void Reset();

  char* data_ = nullptr;
  size_t size_ = 0;
  std::weak_ptr<AlignedBufferPool> pool_;  // where Reset() returns the memory
};

class AlignedBufferPool : public std::enable_shared_from_this<AlignedBufferPool> {
 public:
  static constexpr size_t kAlignment = 4096;  // a page; enough for O_DIRECT on any device

  // REQUIRES: buffer_bytes is a positive multiple of kAlignment.
  static std::shared_ptr<AlignedBufferPool> Create(size_t buffer_bytes, size_t max_idle);
  ~AlignedBufferPool();
  AlignedBufferPool(const AlignedBufferPool&) = delete;
  AlignedBufferPool& operator=(const AlignedBufferPool&) = delete;

  size_t buffer_bytes() const { return buffer_bytes_; }
  // An idle buffer, or a new one. Aborts the process if memory is exhausted (as `new` would).
  AlignedBuffer Acquire();
  // Buffers kept for reuse now (for tests).
  size_t idle() const;

 private:
  friend class AlignedBuffer;
  AlignedBufferPool(size_t buffer_bytes, size_t max_idle)
      : buffer_bytes_(buffer_bytes), max_idle_(max_idle) {}
  void Return(char* data);

  const size_t buffer_bytes_;
  const size_t max_idle_;
  mutable std::mutex mu_;
  std::vector<char*> idle_;  // guarded by mu_
};

}  // namespace filesd
