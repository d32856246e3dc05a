// The BlobStore conformance suite: one set of tests every BlobStore implementation passes.
//
// An implementation joins by instantiating the value-parameterized suite with a factory that makes
// a fresh, empty store for each test:
//
//   INSTANTIATE_TEST_SUITE_P(
//       Memory, BlobStoreConformanceTest,
//       ::testing::Values(BlobStoreConformanceParam{
//           "memory", [] { return std::shared_ptr<BlobStore>(std::make_shared<MemoryBlobStore>());
//           }}),
//       BlobStoreConformanceParamName);
//
// The shared_ptr the factory returns owns everything the store needs (use the aliasing constructor
// to tie, say, a temporary directory to the store's lifetime); the suite drops it after each test,
// after destroying every writer and reader it made.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "blob/blob_store.h"

namespace filesd::conformance {

using BlobStoreFactory = std::function<std::shared_ptr<BlobStore>()>;

struct BlobStoreConformanceParam {
  std::string name;  // Test name suffix: letters, digits and '_' only.
  BlobStoreFactory factory;
};

inline void PrintTo(const BlobStoreConformanceParam& param, std::ostream* os) { *os << param.name; }

inline std::string BlobStoreConformanceParamName(
    const ::testing::TestParamInfo<BlobStoreConformanceParam>& info) {
  return info.param.name;
}

class BlobStoreConformanceTest : public ::testing::TestWithParam<BlobStoreConformanceParam> {
 protected:
  void SetUp() override {
    store_ = GetParam().factory();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override { store_.reset(); }

  BlobStore& store() { return *store_; }

 private:
  std::shared_ptr<BlobStore> store_;
};

// A fresh directory under the test temp dir, removed with everything in it on destruction. For the
// factories of file-based stores.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace filesd::conformance
