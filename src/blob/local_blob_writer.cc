// LocalBlobStore's writer (local_blob_store.h "Throughput"): small blobs are written and hashed
// inline; once a blob passes kPipelineFromBytes, its bytes are copied into reused aligned buffers
// (Shared::buffers) that one writer thread of its own writes to the file in order while the
// OverlappedSha256 helper hashes each buffer at the same time. The caller's Append() then costs a
// memcpy, and the socket read, the write and the hash of one upload run on three cores' worth of
// threads instead of one after the other.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "blob/aligned_buffer_pool.h"
#include "blob/local_blob_internal.h"
#include "blob/overlapped_sha256.h"

namespace filesd::local_blob_internal {

namespace {

// Writes all of `data` at `offset`. No progress and no error is treated as a device fault.
Status WriteFully(int fd, std::string_view data, uint64_t offset) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), std::min(data.size(), kMaxIoBytes),
                               static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus("write", errno);
    }
    if (n == 0) return ErrnoToStatus("write", EIO);
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

class LocalBlobWriter final : public BlobWriter {
 public:
  LocalBlobWriter(std::shared_ptr<Shared> shared, std::string key, std::string temp_name, int fd)
      : shared_(std::move(shared)),
        key_(std::move(key)),
        temp_name_(std::move(temp_name)),
        temp_path_(shared_->TempPath(temp_name_)),
        fd_(fd) {}

  ~LocalBlobWriter() override { Abort(); }

  LocalBlobWriter(const LocalBlobWriter&) = delete;
  LocalBlobWriter& operator=(const LocalBlobWriter&) = delete;

  Status Append(std::string_view data) override {
    if (state_ != State::kOpen) return Internal("blob writer is no longer usable");
    Status status = pipelined_ || size_bytes_ + data.size() >= kPipelineFromBytes
                        ? AppendPipelined(data)
                        : AppendInline(data);
    if (!status.ok()) state_ = State::kFailed;
    return status;
  }

  Status ResumeDigest(std::string_view sha256_state) override {
    if (state_ != State::kOpen || size_bytes_ != 0) {
      return Internal("a blob writer's digest is resumed before its first bytes");
    }
    return sha256_.Resume(sha256_state);
  }

  uint64_t size_bytes() const override { return size_bytes_; }

  Result<BlobInfo> Commit() override {
    if (state_ != State::kOpen) return Internal("blob writer is no longer usable");
    state_ = State::kFailed;  // Until proven otherwise; Abort() then cleans up.
    if (pipelined_) {
      if (fill_len_ > 0) FILESD_RETURN_IF_ERROR(Submit());
      FILESD_RETURN_IF_ERROR(StopWriterThread(/*discard=*/false));
    }
    FILESD_RETURN_IF_ERROR(SyncAndClose(std::exchange(fd_, -1)));
    FILESD_RETURN_IF_ERROR(PublishTemp(*shared_, temp_name_, key_));
    state_ = State::kCommitted;
    std::string digest_state = sha256_.ExportState();
    return BlobInfo{size_bytes_, sha256_.FinishHex(), std::move(digest_state)};
  }

  void Abort() override {
    if (state_ == State::kCommitted || state_ == State::kAborted) return;
    (void)StopWriterThread(/*discard=*/true);
    fill_ = AlignedBuffer();
    if (fd_ >= 0) (void)CloseFd(std::exchange(fd_, -1));
    (void)::unlink(temp_path_.c_str());  // ENOENT after a rename that preceded a failed Commit.
    shared_->UnregisterTempName(temp_name_);
    state_ = State::kAborted;
  }

 private:
  enum class State { kOpen, kFailed, kCommitted, kAborted };
  // A filled buffer on its way to the file.
  struct Chunk {
    AlignedBuffer buffer;
    size_t len = 0;
    uint64_t offset = 0;  // where its first byte goes in the file
  };

  // Blobs smaller than this never start a writer thread nor take a buffer.
  static constexpr uint64_t kPipelineFromBytes = 1u << 20;
  // Buffers queued or being written at once; with the one being filled, the memory of one writer.
  static constexpr size_t kMaxChunksInFlight = 4;

  // Small appends: the hash of a large enough buffer runs on the helper while this thread copies the
  // buffer into the page cache; both only read `data`, and Wait() returns before the caller reuses it.
  Status AppendInline(std::string_view data) {
    sha256_.Start(data);
    Status status = WriteFully(fd_, data, size_bytes_);
    sha256_.Wait();
    if (status.ok()) size_bytes_ += data.size();
    if (status.ok()) KickWriteback(size_bytes_);
    return status;
  }

  // Copies `data` into buffers, handing each full one to the writer thread.
  Status AppendPipelined(std::string_view data) {
    if (!pipelined_) {
      pipelined_ = true;
      // From here on the digest and the file belong to the writer thread until it stops.
      try {
        thread_ = std::thread([this] { WriterLoop(); });
      } catch (const std::system_error&) {
        pipelined_ = false;
        return AppendInline(data);
      }
    }
    while (!data.empty()) {
      if (!fill_) {
        FILESD_RETURN_IF_ERROR(WaitForRoom());
        fill_ = shared_->buffers->Acquire();
        fill_offset_ = size_bytes_;
        // Chunks end on multiples of the buffer size, so every write is aligned but the first.
        fill_target_ = fill_.size() - static_cast<size_t>(fill_offset_ % fill_.size());
        fill_len_ = 0;
      }
      const size_t n = std::min(data.size(), fill_target_ - fill_len_);
      std::memcpy(fill_.data() + fill_len_, data.data(), n);
      fill_len_ += n;
      size_bytes_ += n;
      data.remove_prefix(n);
      if (fill_len_ == fill_target_) FILESD_RETURN_IF_ERROR(Submit());
    }
    return Status::Ok();
  }

  // Blocks while the writer thread has kMaxChunksInFlight chunks; returns its error if it failed.
  Status WaitForRoom() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ < kMaxChunksInFlight || !writer_status_.ok(); });
    return writer_status_;
  }

  // Queues the buffer being filled (fill_len_ bytes) for the writer thread.
  Status Submit() {
    Chunk chunk{std::move(fill_), std::exchange(fill_len_, 0), fill_offset_};
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!writer_status_.ok()) return writer_status_;
      queue_.push_back(std::move(chunk));
      ++in_flight_;
    }
    cv_.notify_all();
    return Status::Ok();
  }

  // Ends the writer thread: after it wrote everything queued, or at once dropping the queue
  // (`discard`). Returns the first write error. Does nothing if no thread runs.
  Status StopWriterThread(bool discard) {
    if (!thread_.joinable()) return Status::Ok();
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      if (discard && writer_status_.ok()) writer_status_ = Internal("blob writer aborted");
    }
    cv_.notify_all();
    thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
    return discard ? Status::Ok() : writer_status_;
  }

  // The writer thread: each chunk is hashed on the OverlappedSha256 helper while this thread writes
  // it, then its buffer goes back to the pool. After an error it only drops what comes.
  void WriterLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;
      Chunk chunk = std::move(queue_.front());
      queue_.pop_front();
      const bool failed = !writer_status_.ok();
      lock.unlock();
      Status status;
      if (!failed) {
        const std::string_view bytes(chunk.buffer.data(), chunk.len);
        sha256_.Start(bytes);
        status = WriteFully(fd_, bytes, chunk.offset);
        sha256_.Wait();
        if (status.ok()) KickWriteback(chunk.offset + chunk.len);
      }
      chunk.buffer = AlignedBuffer();  // back to the pool before the caller may want one
      lock.lock();
      --in_flight_;
      if (!status.ok() && writer_status_.ok()) writer_status_ = std::move(status);
      cv_.notify_all();
    }
  }

  // Asks the kernel to start writing back each finished window (only a hint: a real I/O error
  // resurfaces at fdatasync in Commit()), so the disk works while the upload streams and the final
  // fdatasync has only the tail left. `written_to`: the end of what is written so far.
  void KickWriteback(uint64_t written_to) {
    if (written_to - writeback_from_ < LocalBlobStore::kWritebackWindowBytes) return;
    (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                            static_cast<off_t>(written_to - writeback_from_),
                            SYNC_FILE_RANGE_WRITE);
    writeback_from_ = written_to;
  }

  const std::shared_ptr<Shared> shared_;
  const std::string key_;
  const std::string temp_name_;
  const std::string temp_path_;
  int fd_;
  State state_ = State::kOpen;
  uint64_t size_bytes_ = 0;      // appended so far (written, queued or in fill_)
  uint64_t writeback_from_ = 0;  // start of the range not yet handed to writeback
  OverlappedSha256 sha256_;

  // The pipeline, once started (pipelined_). fill_* belong to the caller's thread.
  bool pipelined_ = false;
  AlignedBuffer fill_;
  uint64_t fill_offset_ = 0;
  size_t fill_len_ = 0;
  size_t fill_target_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;  // guarded by mu_
  size_t in_flight_ = 0;     // chunks queued or being written; guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  Status writer_status_;     // the first failure of the writer thread; guarded by mu_
};

}  // namespace

std::unique_ptr<BlobWriter> NewLocalBlobWriter(std::shared_ptr<Shared> shared, std::string key,
                                               std::string temp_name, int fd) {
  return std::make_unique<LocalBlobWriter>(std::move(shared), std::move(key), std::move(temp_name),
                                           fd);
}

}  // namespace filesd::local_blob_internal
