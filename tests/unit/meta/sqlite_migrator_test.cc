#include "meta/sqlite_migrator.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

#include "base/crypto.h"
#include "conformance/metadata_store_test_util.h"
#include "meta/sql_migrations.h"

namespace filesd::sqlite {
namespace {

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_EQ(sqlite3_open((dir_.path() + "/m.db").c_str(), &db_), SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(db_); }

  // (version, name, checksum, applied_at) of every recorded migration, by version.
  struct Row {
    int64_t version;
    std::string name;
    std::string checksum;
    int64_t applied_at;
  };
  std::vector<Row> Recorded() {
    std::vector<Row> rows;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_,
                           "SELECT version, name, checksum, applied_at FROM schema_migrations "
                           "ORDER BY version",
                           -1, &s, nullptr) != SQLITE_OK) {
      return rows;  // no table
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      rows.push_back(
          {sqlite3_column_int64(s, 0), reinterpret_cast<const char*>(sqlite3_column_text(s, 1)),
           reinterpret_cast<const char*>(sqlite3_column_text(s, 2)), sqlite3_column_int64(s, 3)});
    }
    sqlite3_finalize(s);
    return rows;
  }
  bool TableExists(const std::string& name) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", -1,
                       &s, nullptr);
    sqlite3_bind_text(s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    const bool exists = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return exists;
  }

  meta_test::ScratchDir dir_;
  sqlite3* db_ = nullptr;
};

const SqlMigration kFirst{1, "first", "CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);"};
const SqlMigration kSecond{2, "second", "CREATE TABLE b (y TEXT);"};

TEST_F(MigratorTest, AppliesEachMigrationOnceInOrderAndRecordsIt) {
  const std::vector<SqlMigration> both = {kFirst, kSecond};
  META_ASSERT_OK(ApplySqliteMigrations(db_, both, 100));
  EXPECT_TRUE(TableExists("a"));
  EXPECT_TRUE(TableExists("b"));
  std::vector<Row> rows = Recorded();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].version, 1);
  EXPECT_EQ(rows[0].name, "first");
  EXPECT_EQ(rows[0].checksum, Sha256::HexOf(kFirst.sql));
  EXPECT_EQ(rows[0].applied_at, 100);
  EXPECT_EQ(rows[1].version, 2);
  EXPECT_EQ(rows[1].name, "second");

  // Again: nothing is re-run (the INSERT would add a second row) and nothing re-recorded.
  META_ASSERT_OK(ApplySqliteMigrations(db_, both, 200));
  rows = Recorded();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].applied_at, 100);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_, "SELECT count(*) FROM a", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(s, 0), 1);
  sqlite3_finalize(s);
}

TEST_F(MigratorTest, LaterRunsApplyOnlyTheNewMigrations) {
  META_ASSERT_OK(ApplySqliteMigrations(db_, std::vector<SqlMigration>{kFirst}, 100));
  EXPECT_FALSE(TableExists("b"));
  META_ASSERT_OK(ApplySqliteMigrations(db_, std::vector<SqlMigration>{kFirst, kSecond}, 200));
  EXPECT_TRUE(TableExists("b"));
  std::vector<Row> rows = Recorded();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].applied_at, 100);
  EXPECT_EQ(rows[1].applied_at, 200);
}

TEST_F(MigratorTest, AFailingMigrationLeavesNeitherSchemaNorRecord) {
  const SqlMigration broken{2, "broken",
                            "CREATE TABLE half (z INTEGER);\nINSERT INTO missing VALUES (1);"};
  const Status s = ApplySqliteMigrations(db_, std::vector<SqlMigration>{kFirst, broken}, 100);
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s.ToString();
  EXPECT_NE(s.message().find("migration 2 (broken)"), std::string::npos) << s.message();
  EXPECT_TRUE(TableExists("a"));      // migration 1 committed on its own
  EXPECT_FALSE(TableExists("half"));  // rolled back with its failing statement
  ASSERT_EQ(Recorded().size(), 1u);
  EXPECT_NE(sqlite3_get_autocommit(db_), 0);  // no transaction left open

  // Fixed in a later build (a new version, since 2 never landed): applies cleanly.
  const SqlMigration fixed{2, "fixed", "CREATE TABLE half (z INTEGER);"};
  META_EXPECT_OK(ApplySqliteMigrations(db_, std::vector<SqlMigration>{kFirst, fixed}, 100));
  EXPECT_TRUE(TableExists("half"));
}

TEST_F(MigratorTest, RefusesADatabaseWithANewerSchema) {
  META_ASSERT_OK(ApplySqliteMigrations(db_, std::vector<SqlMigration>{kFirst, kSecond}, 100));
  const Status s = ApplySqliteMigrations(db_, std::vector<SqlMigration>{kFirst}, 200);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("schema version 2"), std::string::npos) << s.message();
}

TEST_F(MigratorTest, RefusesAMigrationEditedAfterItLanded) {
  META_ASSERT_OK(ApplySqliteMigrations(db_, std::vector<SqlMigration>{kFirst}, 100));
  const SqlMigration edited{1, "first", "CREATE TABLE a (x INTEGER, extra TEXT);"};
  const Status s = ApplySqliteMigrations(db_, std::vector<SqlMigration>{edited, kSecond}, 200);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("edited"), std::string::npos) << s.message();
  EXPECT_FALSE(TableExists("b"));  // refused before applying anything
}

TEST_F(MigratorTest, RefusesAListOutOfOrder) {
  const Status s = ApplySqliteMigrations(db_, std::vector<SqlMigration>{kSecond, kFirst}, 100);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_FALSE(TableExists("schema_migrations"));
  EXPECT_FALSE(TableExists("a"));
}

TEST(EmbeddedMigrationsTest, AreTheNumberedFilesInOrder) {
  const std::span<const SqlMigration> all = SqliteMigrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].version, 1);
  EXPECT_EQ(all[0].name, "init");
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].version, all[i - 1].version);
  // The text is the file's, compiled in.
  EXPECT_NE(all[0].sql.find("CREATE TABLE files"), std::string_view::npos);
  EXPECT_NE(all[0].sql.find("CREATE TABLE api_keys"), std::string_view::npos);
}

}  // namespace
}  // namespace filesd::sqlite
