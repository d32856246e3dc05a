// The MetadataStore conformance suite: every contract of src/meta/metadata_store.h, checked against
// each implementation (tests in metadata_store_conformance.cc).
//
// An implementation joins by instantiating the value-parameterized suite with a factory that makes
// a fresh, empty store for each test:
//
//   INSTANTIATE_TEST_SUITE_P(
//       Stores, MetadataStoreConformanceTest,
//       ::testing::Values(MetadataStoreConformanceParam{"Sqlite", MakeSqliteStore}),
//       MetadataStoreConformanceParamName);
//
// The factory gets a fresh empty directory (it may ignore it, e.g. a server-backed store that
// creates a schema of its own); the suite destroys the store, then removes the directory.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "conformance/metadata_store_test_util.h"
#include "meta/metadata_store.h"

namespace filesd::conformance {

using MetadataStoreFactory =
    std::function<Result<std::unique_ptr<MetadataStore>>(const std::string& scratch_dir)>;

struct MetadataStoreConformanceParam {
  std::string name;  // Test name suffix: letters, digits and '_' only.
  MetadataStoreFactory factory;
};

inline void PrintTo(const MetadataStoreConformanceParam& param, std::ostream* os) {
  *os << param.name;
}

inline std::string MetadataStoreConformanceParamName(
    const ::testing::TestParamInfo<MetadataStoreConformanceParam>& info) {
  return info.param.name;
}

class MetadataStoreConformanceTest
    : public ::testing::TestWithParam<MetadataStoreConformanceParam> {
 protected:
  // A fixed "now" for the tests; every time in the suite is relative to it.
  static constexpr int64_t kNow = 1'700'000'000;

  void SetUp() override;
  void TearDown() override;

  MetadataStore& store() { return *store_; }
  // Two projects made by SetUp, so every test can check isolation.
  const Project& alpha() const { return alpha_; }
  const Project& beta() const { return beta_; }

  // A sortable UUID-shaped id: Id(1) < Id(2) < ... as strings.
  static std::string Id(int n);
  // A visible, uploaded file of `project_id` with every required field set and no optional one.
  static FileRecord NewFile(const std::string& project_id, const std::string& id,
                            int64_t created_at);
  // Creates `file`, failing the test (fatally) if the store refuses it.
  void Create(const FileRecord& file);

 private:
  std::unique_ptr<meta_test::ScratchDir> scratch_;
  std::unique_ptr<MetadataStore> store_;
  Project alpha_;
  Project beta_;
};

}  // namespace filesd::conformance
