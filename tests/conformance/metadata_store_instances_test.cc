// Runs the MetadataStore conformance suite against every implementation that needs no outside
// server: SQLite, in a fresh directory per test. (PostgreSQL joins with its own instantiation.)
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "conformance/metadata_store_conformance.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd::conformance {
namespace {

Result<std::unique_ptr<MetadataStore>> MakeSqliteStore(const std::string& scratch_dir) {
  auto store = SqliteMetadataStore::Open(scratch_dir + "/meta.db");
  if (!store.ok()) return std::move(store).TakeStatus();
  return std::unique_ptr<MetadataStore>(std::move(store).value());
}

INSTANTIATE_TEST_SUITE_P(Stores, MetadataStoreConformanceTest,
                         ::testing::Values(MetadataStoreConformanceParam{"Sqlite",
                                                                         MakeSqliteStore}),
                         MetadataStoreConformanceParamName);

}  // namespace
}  // namespace filesd::conformance
