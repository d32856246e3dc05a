// GET /v1/files answers from one statement (page and total together) that walks the
// files_live_by_project index in order: the plan SQLite chooses shows the index for both the page
// and the count, and no sort of its own.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "conformance/metadata_store_test_util.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd {
namespace {

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

TEST(ListFilesPlanTest, OneStatementServedByTheLiveFilesIndexWithoutASort) {
  meta_test::ScratchDir dir;
  auto store = SqliteMetadataStore::Open(dir.path() + "/meta.db");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<ListFilesQuery> queries(4);
  queries[1].order = SortOrder::kAsc;
  queries[2].after_id = "00000000-0000-4000-8000-000000000000";
  queries[3].order = SortOrder::kAsc;
  queries[3].after_id = "00000000-0000-4000-8000-000000000000";
  queries[3].purpose = "assistants";
  for (const ListFilesQuery& q : queries) {
    auto plan = (*store)->ListFilesPlanForTesting(q);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    const std::string text = Joined(*plan);
    size_t uses = 0;
    for (size_t at = text.find("files_live_by_project"); at != std::string::npos;
         at = text.find("files_live_by_project", at + 1)) {
      ++uses;
    }
    EXPECT_EQ(uses, 2u) << "the page and the count both walk the index:\n" << text;
    EXPECT_NE(text.find("SCALAR SUBQUERY"), std::string::npos) << text;
    EXPECT_EQ(text.find("TEMP B-TREE"), std::string::npos) << "no sort of its own:\n" << text;
    EXPECT_EQ(text.find("SCAN files\n"), std::string::npos) << "no full scan:\n" << text;
  }
}

}  // namespace
}  // namespace filesd
