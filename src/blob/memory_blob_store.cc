#include "blob/memory_blob_store.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/crypto.h"
#include "blob/blob_keys.h"

namespace filesd {

struct MemoryBlobStore::State {
  mutable std::mutex mu;
  // Committed content is never mutated once published, only replaced, so readers may share it.
  std::map<std::string, std::shared_ptr<const std::string>> blobs;
  size_t live_writers = 0;
};

namespace {

Status InvalidKey() { return InvalidArgument("invalid blob key"); }

class MemoryBlobWriter final : public BlobWriter {
 public:
  MemoryBlobWriter(std::shared_ptr<MemoryBlobStore::State> state, std::string key)
      : state_(std::move(state)), key_(std::move(key)) {
    std::lock_guard<std::mutex> lock(state_->mu);
    ++state_->live_writers;
  }
  ~MemoryBlobWriter() override { Abort(); }

  MemoryBlobWriter(const MemoryBlobWriter&) = delete;
  MemoryBlobWriter& operator=(const MemoryBlobWriter&) = delete;

  Status Append(std::string_view data) override {
    if (done_) return Internal("blob writer is no longer usable");
    content_.append(data);
    sha256_.Update(data);
    return Status::Ok();
  }

  uint64_t size_bytes() const override { return content_.size(); }

  Result<BlobInfo> Commit() override {
    if (done_) return Internal("blob writer is no longer usable");
    BlobInfo info{content_.size(), sha256_.FinishHex()};
    auto blob = std::make_shared<const std::string>(std::move(content_));
    content_.clear();
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->blobs[key_] = std::move(blob);
    }
    Finish();
    return info;
  }

  void Abort() override {
    if (done_) return;
    content_.clear();
    content_.shrink_to_fit();
    Finish();
  }

 private:
  void Finish() {
    done_ = true;
    std::lock_guard<std::mutex> lock(state_->mu);
    --state_->live_writers;
  }

  const std::shared_ptr<MemoryBlobStore::State> state_;
  const std::string key_;
  std::string content_;
  Sha256 sha256_;
  bool done_ = false;
};

class MemoryBlobReader final : public BlobReader {
 public:
  explicit MemoryBlobReader(std::shared_ptr<const std::string> content)
      : content_(std::move(content)) {}

  uint64_t size_bytes() const override { return content_->size(); }

  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    if (offset >= content_->size()) return size_t{0};
    const size_t n = std::min<uint64_t>(out.size(), content_->size() - offset);
    std::memcpy(out.data(), content_->data() + offset, n);
    return n;
  }

 private:
  const std::shared_ptr<const std::string> content_;
};

}  // namespace

MemoryBlobStore::MemoryBlobStore() : state_(std::make_shared<State>()) {}
MemoryBlobStore::~MemoryBlobStore() = default;

Result<std::unique_ptr<BlobWriter>> MemoryBlobStore::NewWriter(const std::string& key) {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  return std::unique_ptr<BlobWriter>(std::make_unique<MemoryBlobWriter>(state_, key));
}

Result<std::unique_ptr<BlobReader>> MemoryBlobStore::NewReader(const std::string& key) {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->blobs.find(key);
  if (it == state_->blobs.end()) return NotFound("blob not found");
  return std::unique_ptr<BlobReader>(std::make_unique<MemoryBlobReader>(it->second));
}

Result<BlobInfo> MemoryBlobStore::Stat(const std::string& key) {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->blobs.find(key);
  if (it == state_->blobs.end()) return NotFound("blob not found");
  return BlobInfo{it->second->size(), {}};
}

Status MemoryBlobStore::Delete(const std::string& key) {
  if (!blob_keys::IsValidKey(key)) return InvalidKey();
  std::shared_ptr<const std::string> removed;  // Freed outside the lock.
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->blobs.find(key);
  if (it != state_->blobs.end()) {
    removed = std::move(it->second);
    state_->blobs.erase(it);
  }
  return Status::Ok();
}

Result<BlobInfo> MemoryBlobStore::Compose(const std::string& dest_key,
                                          const std::vector<std::string>& source_keys) {
  if (!blob_keys::IsValidKey(dest_key)) return InvalidKey();
  for (const std::string& key : source_keys) {
    if (!blob_keys::IsValidKey(key)) return InvalidKey();
  }
  std::shared_ptr<const std::string> old;  // Freed outside the lock.
  std::lock_guard<std::mutex> lock(state_->mu);
  auto composed = std::make_shared<std::string>();
  for (const std::string& key : source_keys) {
    auto it = state_->blobs.find(key);
    if (it == state_->blobs.end()) return NotFound("blob not found");
    composed->append(*it->second);
  }
  const uint64_t size = composed->size();
  std::shared_ptr<const std::string>& slot = state_->blobs[dest_key];
  old = std::move(slot);
  slot = std::move(composed);
  return BlobInfo{size, {}};
}

Result<size_t> MemoryBlobStore::RemoveAbandonedWrites() { return size_t{0}; }

Status MemoryBlobStore::CheckReady() { return Status::Ok(); }

std::vector<std::string> MemoryBlobStore::ListKeys() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<std::string> keys;
  keys.reserve(state_->blobs.size());
  for (const auto& [key, content] : state_->blobs) keys.push_back(key);
  return keys;
}

size_t MemoryBlobStore::live_writer_count() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->live_writers;
}

}  // namespace filesd
