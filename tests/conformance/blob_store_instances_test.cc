// Runs the BlobStore conformance suite against every implementation that needs no outside server.
#include <gtest/gtest.h>

#include <memory>

#include "blob/local_blob_store.h"
#include "blob/memory_blob_store.h"
#include "conformance/blob_store_conformance.h"

namespace filesd::conformance {
namespace {

std::shared_ptr<BlobStore> MakeMemoryStore() { return std::make_shared<MemoryBlobStore>(); }

// A store without the compose ability, so ComposeBlobs() takes its copying fallback.
class MemoryStoreWithoutCompose final : public MemoryBlobStore {
 public:
  ComposableBlobs* composable() override { return nullptr; }
};
std::shared_ptr<BlobStore> MakeMemoryStoreWithoutCompose() {
  return std::make_shared<MemoryStoreWithoutCompose>();
}

// The store lives in a fresh temporary directory that goes away with it.
std::shared_ptr<BlobStore> MakeLocalStore() {
  struct Holder {
    ScopedTempDir dir;  // Declared first: destroyed after the store.
    std::unique_ptr<LocalBlobStore> store;
  };
  auto holder = std::make_shared<Holder>();
  if (holder->dir.path().empty()) return nullptr;
  auto store = LocalBlobStore::Open(holder->dir.path() + "/root");
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  holder->store = std::move(*store);
  return std::shared_ptr<BlobStore>(holder, holder->store.get());
}

INSTANTIATE_TEST_SUITE_P(Stores, BlobStoreConformanceTest,
                         ::testing::Values(BlobStoreConformanceParam{"Memory", MakeMemoryStore},
                                           BlobStoreConformanceParam{"Local", MakeLocalStore},
                                           BlobStoreConformanceParam{"MemoryWithoutCompose",
                                                                     MakeMemoryStoreWithoutCompose}),
                         BlobStoreConformanceParamName);

}  // namespace
}  // namespace filesd::conformance
