#include "blob/fault_injecting_blob_store.h"

#include <utility>

namespace filesd {
namespace {

class FaultInjectingWriter final : public BlobWriter {
 public:
  FaultInjectingWriter(std::shared_ptr<FaultPlan> plan, std::unique_ptr<BlobWriter> base)
      : plan_(std::move(plan)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    return plan_->Run<Status>([&] { return base_->Append(data); });
  }
  uint64_t size_bytes() const override { return base_->size_bytes(); }
  Result<BlobInfo> Commit() override {
    return plan_->Run<Result<BlobInfo>>([&] { return base_->Commit(); });
  }
  void Abort() override { base_->Abort(); }

 private:
  const std::shared_ptr<FaultPlan> plan_;
  const std::unique_ptr<BlobWriter> base_;
};

class FaultInjectingReader final : public BlobReader {
 public:
  FaultInjectingReader(std::shared_ptr<FaultPlan> plan, std::unique_ptr<BlobReader> base)
      : plan_(std::move(plan)), base_(std::move(base)) {}

  uint64_t size_bytes() const override { return base_->size_bytes(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    return plan_->Run<Result<size_t>>([&] { return base_->ReadAt(offset, out); });
  }

 private:
  const std::shared_ptr<FaultPlan> plan_;
  const std::unique_ptr<BlobReader> base_;
};

}  // namespace

FaultInjectingBlobStore::FaultInjectingBlobStore(BlobStore* base, std::shared_ptr<FaultPlan> plan)
    : base_(base), plan_(plan ? std::move(plan) : std::make_shared<FaultPlan>()) {}

FaultInjectingBlobStore::~FaultInjectingBlobStore() = default;

Result<std::unique_ptr<BlobWriter>> FaultInjectingBlobStore::NewWriter(const std::string& key) {
  using R = Result<std::unique_ptr<BlobWriter>>;
  return plan_->Run<R>([&]() -> R {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, base_->NewWriter(key));
    return std::unique_ptr<BlobWriter>(
        std::make_unique<FaultInjectingWriter>(plan_, std::move(writer)));
  });
}

Result<std::unique_ptr<BlobReader>> FaultInjectingBlobStore::NewReader(const std::string& key) {
  using R = Result<std::unique_ptr<BlobReader>>;
  return plan_->Run<R>([&]() -> R {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, base_->NewReader(key));
    return std::unique_ptr<BlobReader>(
        std::make_unique<FaultInjectingReader>(plan_, std::move(reader)));
  });
}

Result<BlobInfo> FaultInjectingBlobStore::Stat(const std::string& key) {
  return plan_->Run<Result<BlobInfo>>([&] { return base_->Stat(key); });
}

Status FaultInjectingBlobStore::Delete(const std::string& key) {
  return plan_->Run<Status>([&] { return base_->Delete(key); });
}

ComposableBlobs* FaultInjectingBlobStore::composable() {
  return base_->composable() != nullptr ? this : nullptr;
}

Result<BlobInfo> FaultInjectingBlobStore::Compose(const std::string& dest_key,
                                                  const std::vector<std::string>& source_keys) {
  return plan_->Run<Result<BlobInfo>>(
      [&] { return ComposeBlobs(*base_, dest_key, source_keys); });
}

Result<size_t> FaultInjectingBlobStore::RemoveAbandonedWrites() {
  return base_->RemoveAbandonedWrites();
}

Status FaultInjectingBlobStore::CheckReady() {
  if (plan_->StickyActive()) return FaultPlan::Injected();
  return base_->CheckReady();
}

}  // namespace filesd
