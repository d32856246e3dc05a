#include "blob/fault_injecting_blob_store.h"

#include <mutex>
#include <utility>

namespace filesd {

struct FaultInjectingBlobStore::Injector {
  // One mutex rather than atomics: arming must reset the count and the target together.
  mutable std::mutex mu;
  uint64_t count = 0;
  uint64_t fail_at = 0;  // 0: never.
  Mode mode = Mode::kOnce;
  Timing timing = Timing::kBefore;
  uint64_t injected = 0;

  // Counts one operation; returns how to treat it.
  struct Decision {
    bool fail = false;
    Timing timing = Timing::kBefore;
  };
  Decision Next() {
    std::lock_guard<std::mutex> lock(mu);
    ++count;
    const bool fail =
        fail_at != 0 && (count == fail_at || (mode == Mode::kSticky && count > fail_at));
    if (fail) ++injected;
    return Decision{fail, timing};
  }
  bool StickyActive() const {
    std::lock_guard<std::mutex> lock(mu);
    return fail_at != 0 && mode == Mode::kSticky && count >= fail_at;
  }
};

namespace {

using Injector = FaultInjectingBlobStore::Injector;
using Timing = FaultInjectingBlobStore::Timing;

Status Injected() { return Unavailable(FaultInjectingBlobStore::kInjectedMessage); }

// Runs `op` through the injector: returns the injected failure or `op`'s own result.
template <typename R, typename Op>
R Run(Injector& injector, Op&& op) {
  const Injector::Decision d = injector.Next();
  if (!d.fail) return op();
  if (d.timing == Timing::kAfter) {
    R discarded = op();  // The effect happens; the reply is lost (writers/readers are destroyed).
    (void)discarded;
  }
  return Injected();
}

class FaultInjectingWriter final : public BlobWriter {
 public:
  FaultInjectingWriter(std::shared_ptr<Injector> injector, std::unique_ptr<BlobWriter> base)
      : injector_(std::move(injector)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    return Run<Status>(*injector_, [&] { return base_->Append(data); });
  }
  uint64_t size_bytes() const override { return base_->size_bytes(); }
  Result<BlobInfo> Commit() override {
    return Run<Result<BlobInfo>>(*injector_, [&] { return base_->Commit(); });
  }
  void Abort() override { base_->Abort(); }

 private:
  const std::shared_ptr<Injector> injector_;
  const std::unique_ptr<BlobWriter> base_;
};

class FaultInjectingReader final : public BlobReader {
 public:
  FaultInjectingReader(std::shared_ptr<Injector> injector, std::unique_ptr<BlobReader> base)
      : injector_(std::move(injector)), base_(std::move(base)) {}

  uint64_t size_bytes() const override { return base_->size_bytes(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    return Run<Result<size_t>>(*injector_, [&] { return base_->ReadAt(offset, out); });
  }

 private:
  const std::shared_ptr<Injector> injector_;
  const std::unique_ptr<BlobReader> base_;
};

}  // namespace

FaultInjectingBlobStore::FaultInjectingBlobStore(BlobStore* base)
    : base_(base), injector_(std::make_shared<Injector>()) {}

FaultInjectingBlobStore::~FaultInjectingBlobStore() = default;

void FaultInjectingBlobStore::FailNthOperation(uint64_t n, Mode mode, Timing timing) {
  std::lock_guard<std::mutex> lock(injector_->mu);
  injector_->count = 0;
  injector_->injected = 0;
  injector_->fail_at = n;
  injector_->mode = mode;
  injector_->timing = timing;
}

uint64_t FaultInjectingBlobStore::operation_count() const {
  std::lock_guard<std::mutex> lock(injector_->mu);
  return injector_->count;
}

uint64_t FaultInjectingBlobStore::injected_failure_count() const {
  std::lock_guard<std::mutex> lock(injector_->mu);
  return injector_->injected;
}

Result<std::unique_ptr<BlobWriter>> FaultInjectingBlobStore::NewWriter(const std::string& key) {
  using R = Result<std::unique_ptr<BlobWriter>>;
  return Run<R>(*injector_, [&]() -> R {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, base_->NewWriter(key));
    return std::unique_ptr<BlobWriter>(
        std::make_unique<FaultInjectingWriter>(injector_, std::move(writer)));
  });
}

Result<std::unique_ptr<BlobReader>> FaultInjectingBlobStore::NewReader(const std::string& key) {
  using R = Result<std::unique_ptr<BlobReader>>;
  return Run<R>(*injector_, [&]() -> R {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, base_->NewReader(key));
    return std::unique_ptr<BlobReader>(
        std::make_unique<FaultInjectingReader>(injector_, std::move(reader)));
  });
}

Result<BlobInfo> FaultInjectingBlobStore::Stat(const std::string& key) {
  return Run<Result<BlobInfo>>(*injector_, [&] { return base_->Stat(key); });
}

Status FaultInjectingBlobStore::Delete(const std::string& key) {
  return Run<Status>(*injector_, [&] { return base_->Delete(key); });
}

ComposableBlobs* FaultInjectingBlobStore::composable() {
  return base_->composable() != nullptr ? this : nullptr;
}

Result<BlobInfo> FaultInjectingBlobStore::Compose(const std::string& dest_key,
                                                  const std::vector<std::string>& source_keys) {
  return Run<Result<BlobInfo>>(
      *injector_, [&] { return ComposeBlobs(*base_, dest_key, source_keys); });
}

Result<size_t> FaultInjectingBlobStore::RemoveAbandonedWrites() {
  return base_->RemoveAbandonedWrites();
}

Status FaultInjectingBlobStore::CheckReady() {
  if (injector_->StickyActive()) return Injected();
  return base_->CheckReady();
}

}  // namespace filesd
