// The authentication cache (meta/auth_cache.h) through Authenticator, on a real SQLite store and a
// real revision file: a key is remembered for the TTL only (driven by a FakeClock), and a revocation
// through any store on the same database is refused by the very next request.
#include "meta/auth_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/clock.h"
#include "conformance/metadata_store_test_util.h"
#include "meta/api_keys.h"
#include "meta/auth_revision.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr int64_t kTtl = 5;

void ExpectInvalidKey(const Result<AuthContext>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().ToString();
  EXPECT_EQ(r.status().reason(), "invalid_api_key");
}

class AuthCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    db_path_ = dir_.path() + "/meta.db";
    auto store = SqliteMetadataStore::Open(db_path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::string NewKey(const std::string& project) {
    auto token = CreateKeyForProject(*store_, clock_, project);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? *token : std::string();
  }
  static std::string KeyIdOf(const std::string& token) {
    return token.substr(kApiKeyPrefix.size(), kApiKeyIdLength);
  }

  meta_test::ScratchDir dir_;
  std::string db_path_;
  std::unique_ptr<SqliteMetadataStore> store_;
  FakeClock clock_{kNow};
};

// Without a revision to watch, only the TTL ends an entry: a revocation nobody signals is seen
// once the entry is kTtl seconds old, not before (which also shows the cached path reads nothing).
TEST_F(AuthCacheTest, AnUnsignalledChangeIsSeenWhenTheTtlEnds) {
  const std::string token = NewKey("alpha");
  AuthCache cache(clock_, /*revision=*/nullptr, AuthCacheOptions{.ttl_seconds = kTtl});
  Authenticator auth(*store_, clock_, &cache);
  META_ASSIGN_OR_FAIL(AuthContext first, auth.Authenticate(token));
  ASSERT_TRUE(store_->RevokeApiKey(KeyIdOf(token), kNow).ok());

  clock_.Advance(kTtl - 1);
  META_ASSIGN_OR_FAIL(AuthContext cached, auth.Authenticate(token));
  EXPECT_EQ(cached.project_id, first.project_id);
  EXPECT_EQ(cached.key_id, KeyIdOf(token));

  clock_.Advance(1);
  ExpectInvalidKey(auth.Authenticate(token));
}

TEST_F(AuthCacheTest, ARevocationThroughTheStoreIsRefusedAtOnce) {
  const std::string token = NewKey("alpha");
  const std::string other = NewKey("alpha");
  AuthCache cache(clock_, &store_->auth_revision(), AuthCacheOptions{.ttl_seconds = 3600});
  Authenticator auth(*store_, clock_, &cache);
  ASSERT_TRUE(auth.Authenticate(token).ok());
  ASSERT_TRUE(auth.Authenticate(other).ok());

  ASSERT_TRUE(store_->RevokeApiKey(KeyIdOf(token), kNow).ok());
  ExpectInvalidKey(auth.Authenticate(token));
  // The project's other key still works (read again, and cached again).
  EXPECT_TRUE(auth.Authenticate(other).ok());
  EXPECT_TRUE(auth.Authenticate(other).ok());
}

// As `filesd keys revoke` does it: another store (another process) on the same database file.
TEST_F(AuthCacheTest, ARevocationByAnotherProcessOnTheSameDatabaseIsRefusedAtOnce) {
  const std::string token = NewKey("alpha");
  AuthRevisionFile revision(AuthRevisionFile::PathForDatabase(db_path_));
  AuthCache cache(clock_, &revision, AuthCacheOptions{.ttl_seconds = 3600});
  Authenticator auth(*store_, clock_, &cache);
  ASSERT_TRUE(auth.Authenticate(token).ok());
  ASSERT_TRUE(auth.Authenticate(token).ok());

  auto cli_store = SqliteMetadataStore::Open(db_path_);
  ASSERT_TRUE(cli_store.ok()) << cli_store.status().ToString();
  ASSERT_TRUE((*cli_store)->RevokeApiKey(KeyIdOf(token), kNow).ok());
  ExpectInvalidKey(auth.Authenticate(token));
}

TEST_F(AuthCacheTest, InvalidateDropsOneKeyAtOnce) {
  const std::string token = NewKey("alpha");
  AuthCache cache(clock_, nullptr, AuthCacheOptions{.ttl_seconds = 3600});
  Authenticator auth(*store_, clock_, &cache);
  ASSERT_TRUE(auth.Authenticate(token).ok());
  ASSERT_TRUE(store_->RevokeApiKey(KeyIdOf(token), kNow).ok());
  ASSERT_TRUE(auth.Authenticate(token).ok());  // cached, nothing signalled
  cache.Invalidate(KeyIdOf(token));
  ExpectInvalidKey(auth.Authenticate(token));
}

TEST_F(AuthCacheTest, ACachedKeyStillChecksItsSecretAndExpiry) {
  GeneratedKey key = GenerateApiKey();
  META_ASSIGN_OR_FAIL(Project project, store_->EnsureProject("alpha", kNow));
  ApiKeyRecord record;
  record.key_id = key.key_id;
  record.project_id = project.id;
  record.secret_hash = key.secret_hash;
  record.created_at = kNow;
  record.expires_at = kNow + 10;
  ASSERT_TRUE(store_->InsertApiKey(record).ok());

  AuthCache cache(clock_, &store_->auth_revision(), AuthCacheOptions{.ttl_seconds = 3600});
  Authenticator auth(*store_, clock_, &cache);
  ASSERT_TRUE(auth.Authenticate(key.token).ok());
  // Same key id, another secret of the right shape.
  std::string forged = key.token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  ExpectInvalidKey(auth.Authenticate(forged));
  ASSERT_TRUE(auth.Authenticate(key.token).ok());
  clock_.Advance(10);
  ExpectInvalidKey(auth.Authenticate(key.token));
}

TEST_F(AuthCacheTest, ADropDuringAStoreReadIsNotUndoneByItsInsert) {
  AuthCache cache(clock_, nullptr, AuthCacheOptions{.ttl_seconds = 3600});
  AuthCache::Ticket ticket;
  EXPECT_FALSE(cache.Find("abcdefghijkl", &ticket).has_value());
  cache.Invalidate("abcdefghijkl");  // e.g. revoked while the store was read
  cache.Insert(ticket, "abcdefghijkl", AuthCache::Key{"hash", "project", std::nullopt});
  AuthCache::Ticket later;
  EXPECT_FALSE(cache.Find("abcdefghijkl", &later).has_value());
  cache.Insert(later, "abcdefghijkl", AuthCache::Key{"hash", "project", std::nullopt});
  EXPECT_TRUE(cache.Find("abcdefghijkl", &later).has_value());
}

TEST_F(AuthCacheTest, TheCacheIsBoundedAndTtlZeroDisablesIt) {
  AuthCache bounded(clock_, nullptr, AuthCacheOptions{.ttl_seconds = 3600, .max_entries = 2});
  AuthCache::Ticket t;
  for (const char* id : {"aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"}) {
    (void)bounded.Find(id, &t);
    bounded.Insert(t, id, AuthCache::Key{"hash", "project", std::nullopt});
  }
  int kept = 0;
  for (const char* id : {"aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"}) {
    kept += bounded.Find(id, &t).has_value() ? 1 : 0;
  }
  EXPECT_LE(kept, 2);
  EXPECT_GE(kept, 1);

  const std::string token = NewKey("alpha");
  AuthCache off(clock_, nullptr, AuthCacheOptions{.ttl_seconds = 0});
  Authenticator auth(*store_, clock_, &off);
  ASSERT_TRUE(auth.Authenticate(token).ok());
  ASSERT_TRUE(store_->RevokeApiKey(KeyIdOf(token), kNow).ok());
  ExpectInvalidKey(auth.Authenticate(token));
}

}  // namespace
}  // namespace filesd
