// SQLite-specific behaviour of SqliteMetadataStore; the MetadataStore contract itself is checked by
// the conformance suite.
#include "meta/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "conformance/metadata_store_test_util.h"
#include "meta/sql_migrations.h"
#include "meta/sqlite_migrator.h"

namespace filesd {
namespace {

constexpr int64_t kNow = 1'700'000'000;

FileRecord NewFile(const std::string& project_id, const std::string& id) {
  FileRecord f;
  f.id = id;
  f.project_id = project_id;
  f.filename = "a.txt";
  f.purpose = "user_data";
  f.bytes = 3;
  f.mime_type = "text/plain";
  f.blob_key = "content/" + id + "/k";
  f.created_at = kNow;
  f.updated_at = kNow;
  return f;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::string DbPath() const { return dir_.path() + "/meta.db"; }

  // (version, applied_at) rows of schema_migrations, read with a connection of our own.
  std::vector<std::pair<int64_t, int64_t>> Recorded() {
    std::vector<std::pair<int64_t, int64_t>> rows;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(DbPath().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT version, applied_at FROM schema_migrations ORDER BY 1",
                                 -1, &s, nullptr),
              SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
      rows.emplace_back(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rows;
  }

  meta_test::ScratchDir dir_;
};

TEST_F(SqliteStoreTest, MigrationsApplyOnceAndDataSurvivesReopen) {
  std::string project_id;
  {
    META_ASSIGN_OR_FAIL(auto store, SqliteMetadataStore::Open(DbPath()));
    META_ASSIGN_OR_FAIL(Project p, store->EnsureProject("alpha", kNow));
    project_id = p.id;
    META_ASSERT_OK(store->CreateFile(NewFile(p.id, "f1")));
    META_ASSERT_OK(
        store->InsertApiKey({"abcdefghijkl", p.id, "hash", kNow, std::nullopt, std::nullopt}));
  }
  const auto first = Recorded();
  ASSERT_EQ(first.size(), SqliteMigrations().size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].first, SqliteMigrations()[i].version);
  }

  for (int reopen = 0; reopen < 2; ++reopen) {
    META_ASSIGN_OR_FAIL(auto store, SqliteMetadataStore::Open(DbPath()));
    META_ASSIGN_OR_FAIL(FileRecord f, store->GetFile(project_id, "f1", kNow));
    EXPECT_EQ(f.filename, "a.txt");
    META_ASSIGN_OR_FAIL(ApiKeyRecord k, store->GetApiKey("abcdefghijkl"));
    EXPECT_EQ(k.project_id, project_id);
    META_ASSIGN_OR_FAIL(Project p, store->EnsureProject("alpha", kNow + 1));
    EXPECT_EQ(p.id, project_id);
  }
  EXPECT_EQ(Recorded(), first);  // same rows, same applied_at: nothing re-applied
}

TEST_F(SqliteStoreTest, ConnectionsUseWalFullSyncAndForeignKeys) {
  META_ASSIGN_OR_FAIL(auto store, SqliteMetadataStore::Open(DbPath()));
  META_ASSIGN_OR_FAIL(std::string journal, store->PragmaForTesting("journal_mode"));
  EXPECT_EQ(journal, "wal");
  META_ASSIGN_OR_FAIL(std::string sync, store->PragmaForTesting("synchronous"));
  EXPECT_EQ(sync, "2");  // FULL: every commit is fsynced
  META_ASSIGN_OR_FAIL(std::string fk, store->PragmaForTesting("foreign_keys"));
  EXPECT_EQ(fk, "1");
  META_ASSIGN_OR_FAIL(std::string busy, store->PragmaForTesting("busy_timeout"));
  EXPECT_EQ(busy, "5000");
  META_EXPECT_CODE(store->PragmaForTesting("x; DROP TABLE files"), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ForeignKeysRefuseRowsOfMissingProjects) {
  META_ASSIGN_OR_FAIL(auto store, SqliteMetadataStore::Open(DbPath()));
  META_EXPECT_CODE(store->CreateFile(NewFile("no-such-project", "f1")), StatusCode::kConflict);
  META_EXPECT_CODE(store->InsertApiKey(
                       {"abcdefghijkl", "no-such-project", "h", kNow, std::nullopt, std::nullopt}),
                   StatusCode::kConflict);
}

TEST_F(SqliteStoreTest, WriteLockedBeyondTheTimeoutIsUnavailableWhileReadsGoOn) {
  SqliteMetadataStore::Options options;
  options.busy_timeout_ms = 50;
  META_ASSIGN_OR_FAIL(auto store, SqliteMetadataStore::Open(DbPath(), options));
  META_ASSIGN_OR_FAIL(Project p, store->EnsureProject("alpha", kNow));
  META_ASSERT_OK(store->CreateFile(NewFile(p.id, "f1")));

  // Another process (here: another connection) holds the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(DbPath().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  const Status blocked = store->CreateFile(NewFile(p.id, "f2"));
  EXPECT_EQ(blocked.code(), StatusCode::kUnavailable) << blocked.ToString();
  META_EXPECT_CODE(store->RevokeApiKey("abcdefghijkl", kNow), StatusCode::kUnavailable);
  // WAL: readers are not blocked by a writer.
  META_EXPECT_OK(store->GetFile(p.id, "f1", kNow));
  META_EXPECT_OK(store->ListFiles(p.id, ListFilesQuery{}, kNow));

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  META_EXPECT_OK(store->CreateFile(NewFile(p.id, "f2")));
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsInternal) {
  {
    std::ofstream out(DbPath(), std::ios::binary);
    out << std::string(8192, 'x');
  }
  const Status s = SqliteMetadataStore::Open(DbPath()).status();
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s.ToString();
}

TEST_F(SqliteStoreTest, AnUnopenablePathIsUnavailableAndTheMessageHasNoPath) {
  const std::string path = dir_.path() + "/missing-dir/meta.db";
  const Status s = SqliteMetadataStore::Open(path).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(s.message().find(dir_.path()), std::string::npos) << s.message();
}

TEST_F(SqliteStoreTest, InMemoryDatabasesAreRefused) {
  META_EXPECT_CODE(SqliteMetadataStore::Open(":memory:"), StatusCode::kInvalidArgument);
  META_EXPECT_CODE(SqliteMetadataStore::Open(""), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, SizesBeyondSignedSixtyFourBitsAreRefused) {
  META_ASSIGN_OR_FAIL(auto store, SqliteMetadataStore::Open(DbPath()));
  META_ASSIGN_OR_FAIL(Project p, store->EnsureProject("alpha", kNow));
  constexpr uint64_t kHuge = std::numeric_limits<uint64_t>::max();
  FileRecord f = NewFile(p.id, "f1");
  f.bytes = kHuge;
  META_EXPECT_CODE(store->CreateFile(f), StatusCode::kInvalidArgument);
  META_EXPECT_CODE(store->SetProjectQuota(p.id, kHuge, std::nullopt), StatusCode::kInvalidArgument);
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  META_ASSERT_OK(store->SetProjectQuota(p.id, kMax, kMax));
  META_ASSIGN_OR_FAIL(Project got, store->GetProject(p.id));
  EXPECT_EQ(got.quota_bytes, std::optional<uint64_t>(kMax));
}

TEST_F(SqliteStoreTest, MoreThreadsThanConnectionsWaitTheirTurn) {
  SqliteMetadataStore::Options options;
  options.max_connections = 2;
  META_ASSIGN_OR_FAIL(auto store, SqliteMetadataStore::Open(DbPath(), options));
  META_ASSIGN_OR_FAIL(Project p, store->EnsureProject("alpha", kNow));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store->CreateFile(NewFile(p.id, id)).ok()) ++failures;
        if (!store->GetFile(p.id, id, kNow).ok()) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  META_ASSIGN_OR_FAIL(MetadataStore::Usage u, store->GetUsage(p.id, kNow));
  EXPECT_EQ(u.files, 160u);
}

TEST_F(SqliteStoreTest, TwoStoresOpeningAFreshFileAtOnceMigrateItOnce) {
  std::vector<Status> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      auto store = SqliteMetadataStore::Open(DbPath());
      results[i] = store.ok() ? (*store)->CheckReady() : store.status();
    });
  }
  for (std::thread& th : threads) th.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Recorded().size(), SqliteMigrations().size());
}

// 0006_upload_segments on a database with parts staged before it: they are numbered in the order
// they were listed, with no chain (hashed at complete), and new parts continue the numbering.
TEST_F(SqliteStoreTest, UpgradeNumbersPartsStagedBeforeSegments) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(DbPath().c_str(), &db), SQLITE_OK);
    const auto all = SqliteMigrations();
    std::vector<SqlMigration> before;
    for (const SqlMigration& m : all) {
      if (m.version < 6) before.push_back(m);
    }
    META_ASSERT_OK(sqlite::ApplySqliteMigrations(db, before, kNow));
    const char* rows =
        "INSERT INTO projects (id, name, created_at) VALUES ('p', 'alpha', 1);"
        "INSERT INTO files (id, project_id, filename, purpose, bytes, status, mime_type, blob_key, "
        "  created_at, updated_at) "
        "  VALUES ('f', 'p', 'a', 'user_data', 0, 'uploading', '', '', 1, 1);"
        "INSERT INTO upload_parts (id, file_id, bytes, blob_key, created_at) VALUES "
        "  ('part_b', 'f', 2, 'content/f/b', 5), ('part_a', 'f', 1, 'content/f/a', 5), "
        "  ('part_z', 'f', 3, 'content/f/z', 4);";
    ASSERT_EQ(sqlite3_exec(db, rows, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  META_ASSIGN_OR_FAIL(auto store, SqliteMetadataStore::Open(DbPath()));
  META_ASSIGN_OR_FAIL(std::vector<UploadPartRecord> parts, store->ListUploadParts("f"));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].id, "part_z");
  EXPECT_EQ(parts[1].id, "part_a");
  EXPECT_EQ(parts[2].id, "part_b");
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].seq, i + 1) << parts[i].id;
    EXPECT_EQ(parts[i].chain_prev, "");
    EXPECT_EQ(parts[i].sha256_state, "");
  }
  UploadPartRecord next;
  next.id = "part_n";
  next.file_id = "f";
  next.bytes = 1;
  next.blob_key = "content/f/n";
  next.created_at = 6;
  META_ASSERT_OK(store->AddUploadPart("p", next, 6));
  META_ASSIGN_OR_FAIL(parts, store->ListUploadParts("f"));
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[3].id, "part_n");
  EXPECT_EQ(parts[3].seq, 4u);
}

}  // namespace
}  // namespace filesd
