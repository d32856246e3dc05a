#include "meta/api_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>

#include "base/clock.h"
#include "base/crypto.h"
#include "conformance/metadata_store_test_util.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd {
namespace {

constexpr int64_t kNow = 1'700'000'000;

bool IsBase32(char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }
bool IsBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

void ExpectInvalidKey(const Status& s) {
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_EQ(s.reason(), "invalid_api_key");
  EXPECT_EQ(s.message(), "The provided API key is invalid, inactive, or expired");
}

TEST(ApiKeyFormatTest, GeneratedKeysHaveTheDocumentedShape) {
  std::set<std::string> tokens;
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    const GeneratedKey key = GenerateApiKey();
    ASSERT_EQ(key.token.size(), 60u) << key.token;
    EXPECT_EQ(key.token.substr(0, 4), "fsd_");
    EXPECT_EQ(key.token.substr(4, 12), key.key_id);
    EXPECT_EQ(key.token[16], '_');
    ASSERT_EQ(key.key_id.size(), 12u);
    for (char c : key.key_id) EXPECT_TRUE(IsBase32(c)) << key.key_id;
    const std::string secret = key.token.substr(17);
    ASSERT_EQ(secret.size(), 43u);
    for (char c : secret) EXPECT_TRUE(IsBase64Url(c)) << secret;
    EXPECT_EQ(key.secret_hash, Sha256::HexOf(secret));
    EXPECT_EQ(key.secret_hash, HashApiKeySecret(secret));
    EXPECT_EQ(key.secret_hash.find(secret), std::string::npos);
    EXPECT_TRUE(IsWellFormedKeyId(key.key_id));

    META_ASSIGN_OR_FAIL(ParsedKey parsed, ParseApiKey(key.token));
    EXPECT_EQ(parsed.key_id, key.key_id);
    EXPECT_EQ(parsed.secret, secret);
    tokens.insert(key.token);
    ids.insert(key.key_id);
  }
  EXPECT_EQ(tokens.size(), 200u);
  EXPECT_EQ(ids.size(), 200u);
}

TEST(ApiKeyFormatTest, ParseRejectsAnythingElse) {
  const std::string good = GenerateApiKey().token;
  std::string upper_id = good;
  upper_id[5] = 'A';
  std::string bad_id_char = good;
  bad_id_char[6] = '8';  // not in base32
  std::string bad_sep = good;
  bad_sep[16] = '-';
  std::string plus = good;
  plus[30] = '+';
  std::string slash = good;
  slash[40] = '/';
  std::string padded = good;
  padded.back() = '=';
  std::string nul = good;
  nul[20] = '\0';
  const std::string cases[] = {
      "",
      "fsd_",
      "fsd__",
      good.substr(0, good.size() - 1),
      good + "A",
      good + " ",
      " " + good,
      "Bearer " + good,
      "fsx_" + good.substr(4),
      "FSD_" + good.substr(4),
      upper_id,
      bad_id_char,
      bad_sep,
      plus,
      slash,
      padded,
      nul,
      "sk-" + std::string(57, 'a'),
  };
  for (const std::string& token : cases) {
    SCOPED_TRACE(token);
    ExpectInvalidKey(ParseApiKey(token).status());
  }
  EXPECT_FALSE(IsWellFormedKeyId("abcdefghijk"));
  EXPECT_FALSE(IsWellFormedKeyId("abcdefghijklm"));
  EXPECT_FALSE(IsWellFormedKeyId("abcdefghijk1"));
  EXPECT_TRUE(IsWellFormedKeyId("abcdefghijk2"));
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto store = SqliteMetadataStore::Open(dir_.path() + "/meta.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  meta_test::ScratchDir dir_;
  std::unique_ptr<SqliteMetadataStore> store_;
  FakeClock clock_{kNow};
};

TEST_F(AuthenticatorTest, AValidTokenNamesItsProjectAndKey) {
  META_ASSIGN_OR_FAIL(std::string token, CreateKeyForProject(*store_, clock_, "alpha"));
  META_ASSIGN_OR_FAIL(Project alpha, store_->GetProjectByName("alpha"));
  Authenticator auth(*store_, clock_);
  META_ASSIGN_OR_FAIL(AuthContext ctx, auth.Authenticate(token));
  EXPECT_EQ(ctx.project_id, alpha.id);
  EXPECT_EQ(ctx.key_id, token.substr(4, 12));

  META_ASSIGN_OR_FAIL(ApiKeyRecord stored, store_->GetApiKey(ctx.key_id));
  EXPECT_EQ(stored.created_at, kNow);
  EXPECT_EQ(stored.secret_hash, Sha256::HexOf(token.substr(17)));
}

TEST_F(AuthenticatorTest, KeysOfDifferentProjectsAuthenticateAsTheirOwn) {
  META_ASSIGN_OR_FAIL(std::string a1, CreateKeyForProject(*store_, clock_, "alpha"));
  META_ASSIGN_OR_FAIL(std::string a2, CreateKeyForProject(*store_, clock_, "alpha"));
  META_ASSIGN_OR_FAIL(std::string b, CreateKeyForProject(*store_, clock_, "beta"));
  EXPECT_NE(a1, a2);
  Authenticator auth(*store_, clock_);
  META_ASSIGN_OR_FAIL(AuthContext c1, auth.Authenticate(a1));
  META_ASSIGN_OR_FAIL(AuthContext c2, auth.Authenticate(a2));
  META_ASSIGN_OR_FAIL(AuthContext cb, auth.Authenticate(b));
  EXPECT_EQ(c1.project_id, c2.project_id);
  EXPECT_NE(c1.key_id, c2.key_id);
  EXPECT_NE(c1.project_id, cb.project_id);
  META_ASSIGN_OR_FAIL(uint64_t count, store_->CountApiKeys(c1.project_id));
  EXPECT_EQ(count, 2u);
  META_EXPECT_CODE(CreateKeyForProject(*store_, clock_, ""), StatusCode::kInvalidArgument);
}

TEST_F(AuthenticatorTest, WrongSecretUnknownKeyAndMalformedTokensAreRefusedAlike) {
  META_ASSIGN_OR_FAIL(std::string token, CreateKeyForProject(*store_, clock_, "alpha"));
  Authenticator auth(*store_, clock_);

  std::string wrong_secret = token;
  wrong_secret[30] = wrong_secret[30] == 'A' ? 'B' : 'A';
  ExpectInvalidKey(auth.Authenticate(wrong_secret).status());

  // A well-formed key_id with the right secret of another key: the secret must match its own key.
  const GeneratedKey never_stored = GenerateApiKey();
  ExpectInvalidKey(auth.Authenticate(never_stored.token).status());
  const std::string swapped = never_stored.token.substr(0, 17) + token.substr(17);
  ExpectInvalidKey(auth.Authenticate(swapped).status());

  ExpectInvalidKey(auth.Authenticate("").status());
  ExpectInvalidKey(auth.Authenticate("not a key").status());
  ExpectInvalidKey(auth.Authenticate(token.substr(0, 59)).status());

  META_EXPECT_OK(auth.Authenticate(token));  // the real one still works
}

TEST_F(AuthenticatorTest, RevokedKeysAreRefused) {
  META_ASSIGN_OR_FAIL(std::string token, CreateKeyForProject(*store_, clock_, "alpha"));
  Authenticator auth(*store_, clock_);
  META_ASSERT_OK(auth.Authenticate(token));
  META_ASSERT_OK(store_->RevokeApiKey(token.substr(4, 12), kNow));
  ExpectInvalidKey(auth.Authenticate(token).status());
  clock_.Advance(3600);
  ExpectInvalidKey(auth.Authenticate(token).status());
}

// What `filesd keys revoke fsd_...` relies on: the key a token names, only when its secret matches,
// revoked or not.
TEST_F(AuthenticatorTest, FindKeyByTokenNeedsTheMatchingSecretButNotAnActiveKey) {
  META_ASSIGN_OR_FAIL(std::string token, CreateKeyForProject(*store_, clock_, "alpha"));
  META_ASSIGN_OR_FAIL(ApiKeyRecord found, FindKeyByToken(*store_, token));
  EXPECT_EQ(found.key_id, token.substr(4, 12));
  std::string wrong_secret = token;
  wrong_secret[30] = wrong_secret[30] == 'A' ? 'B' : 'A';
  ExpectInvalidKey(FindKeyByToken(*store_, wrong_secret).status());
  ExpectInvalidKey(FindKeyByToken(*store_, GenerateApiKey().token).status());
  ExpectInvalidKey(FindKeyByToken(*store_, token.substr(4, 12)).status());
  META_ASSERT_OK(store_->RevokeApiKey(found.key_id, kNow));
  META_ASSIGN_OR_FAIL(ApiKeyRecord revoked, FindKeyByToken(*store_, token));
  EXPECT_TRUE(revoked.revoked_at.has_value());
}

TEST_F(AuthenticatorTest, ListProjectsListsEveryProjectByName) {
  META_ASSERT_OK(store_->EnsureProject("beta", kNow));
  META_ASSERT_OK(store_->EnsureProject("alpha", kNow));
  META_ASSIGN_OR_FAIL(Project alpha, store_->GetProjectByName("alpha"));
  META_ASSERT_OK(store_->SetProjectQuota(alpha.id, 1000, 3));
  META_ASSIGN_OR_FAIL(std::vector<Project> projects, store_->ListProjects());
  ASSERT_EQ(projects.size(), 2u);
  EXPECT_EQ(projects[0].name, "alpha");
  EXPECT_EQ(projects[0].id, alpha.id);
  EXPECT_EQ(projects[0].quota_bytes, std::optional<uint64_t>(1000));
  EXPECT_EQ(projects[0].quota_files, std::optional<uint64_t>(3));
  EXPECT_EQ(projects[1].name, "beta");
  EXPECT_FALSE(projects[1].quota_bytes.has_value());
}

TEST_F(AuthenticatorTest, ExpiredKeysAreRefusedFromTheirExpiryOn) {
  META_ASSIGN_OR_FAIL(Project p, store_->EnsureProject("alpha", kNow));
  const GeneratedKey key = GenerateApiKey();
  META_ASSERT_OK(
      store_->InsertApiKey({key.key_id, p.id, key.secret_hash, kNow, std::nullopt, kNow + 10}));
  Authenticator auth(*store_, clock_);
  META_EXPECT_OK(auth.Authenticate(key.token));
  clock_.Set(kNow + 9);
  META_EXPECT_OK(auth.Authenticate(key.token));
  clock_.Set(kNow + 10);
  ExpectInvalidKey(auth.Authenticate(key.token).status());
}

// A store whose every call fails as an unreachable database would.
class UnreachableStore final : public MetadataStore {
 public:
  Result<Project> EnsureProject(const std::string&, int64_t) override { return Down(); }
  Result<Project> GetProjectByName(const std::string&) override { return Down(); }
  Result<Project> GetProject(const std::string&) override { return Down(); }
  Result<std::vector<Project>> ListProjects() override { return Down(); }
  Status SetProjectQuota(const std::string&, std::optional<uint64_t>,
                         std::optional<uint64_t>) override {
    return Down();
  }
  Status InsertApiKey(const ApiKeyRecord&) override { return Down(); }
  Result<ApiKeyRecord> GetApiKey(const std::string&) override { return Down(); }
  Result<std::vector<ApiKeyRecord>> ListApiKeys() override { return Down(); }
  Status RevokeApiKey(const std::string&, int64_t) override { return Down(); }
  Result<uint64_t> CountApiKeys(const std::string&) override { return Down(); }
  Status RecordBlobIntent(const std::string&, int64_t) override { return Down(); }
  Status RemoveBlobIntent(const std::string&) override { return Down(); }
  Result<std::vector<std::string>> ListBlobIntents(int64_t, size_t) override { return Down(); }
  Status CreateFile(const FileRecord&) override { return Down(); }
  Result<FileRecord> GetFile(const std::string&, const std::string&, int64_t) override {
    return Down();
  }
  Result<FileList> ListFiles(const std::string&, const ListFilesQuery&, int64_t) override {
    return Down();
  }
  Status UpdateFile(const FileRecord&, const FilePrecondition&, int64_t) override { return Down(); }
  Status SoftDeleteFile(const std::string&, const std::string&, int64_t) override { return Down(); }
  Result<std::vector<FileRecord>> ListPurgeableFiles(int64_t, int64_t, size_t) override {
    return Down();
  }
  Result<std::vector<FileRecord>> ListStalePendingFiles(int64_t, size_t) override { return Down(); }
  Status PurgeFile(const std::string&) override { return Down(); }
  Status AddUploadPart(const std::string&, const UploadPartRecord&, int64_t) override {
    return Down();
  }
  Result<std::vector<UploadPartRecord>> ListUploadParts(const std::string&) override {
    return Down();
  }
  Status DeleteUploadParts(const std::string&) override { return Down(); }
  Result<FileRecord> AppendUploadSegment(const std::string&, const UploadSegmentRecord&,
                                         int64_t) override {
    return Down();
  }
  Result<std::vector<UploadSegmentRecord>> ListUploadSegments(const std::string&) override {
    return Down();
  }
  Result<UploadSegmentRecord> GetUploadSegmentEndingAt(const std::string&, uint64_t) override {
    return Down();
  }
  Status DeleteUploadSegments(const std::string&) override { return Down(); }
  Result<std::optional<IdempotencyRecord>> ClaimIdempotencyKey(const std::string&,
                                                               const std::string&,
                                                               const std::string&,
                                                               const std::optional<std::string>&,
                                                               int64_t, int64_t) override {
    return Down();
  }
  Status TakeOverIdempotencyKey(const std::string&, const std::string&, const std::string&,
                                const std::string&) override {
    return Down();
  }
  Status AnswerIdempotencyKey(const std::string&, const std::string&, const std::string&,
                              const std::string&, int, const std::string&) override {
    return Down();
  }
  Status ReleaseIdempotencyKey(const std::string&, const std::string&,
                               const std::string&) override {
    return Down();
  }
  Result<size_t> PurgeIdempotencyKeys(int64_t, size_t) override { return Down(); }
  Status RegisterInstance(const std::string&, int64_t, int64_t) override { return Down(); }
  Status RenewInstance(const std::string&, int64_t, int64_t) override { return Down(); }
  Status EndInstance(const std::string&, int64_t) override { return Down(); }
  Status EndOtherInstances(const std::string&, int64_t) override { return Down(); }
  Result<std::optional<int64_t>> GetInstanceLease(const std::string&) override { return Down(); }
  Result<size_t> PurgeInstances(int64_t, size_t) override { return Down(); }
  Result<bool> TryAcquireLease(const std::string&, const std::string&, int64_t,
                               int64_t) override {
    return Down();
  }
  Status ReleaseLease(const std::string&, const std::string&) override { return Down(); }
  Result<std::string> GetOrCreateSetting(const std::string&, const std::string&,
                                         int64_t) override {
    return Down();
  }
  Result<bool> InsertFirstApiKey(const ApiKeyRecord&) override { return Down(); }
  Status ClaimAnalysis(const std::string&, const std::string&, const FilePrecondition&,
                       const std::string&, int64_t) override {
    return Down();
  }
  Result<std::vector<AbandonedAnalysis>> ListAbandonedAnalyses(int64_t, size_t) override {
    return Down();
  }
  Result<Usage> GetUsage(const std::string&, int64_t) override { return Down(); }
  Status CheckReady() override { return Down(); }

 private:
  static Status Down() { return Unavailable("metadata store unreachable"); }
};

TEST(AuthenticatorStoreFailureTest, StoreFailuresPassThroughInsteadOfDenying) {
  UnreachableStore store;
  FakeClock clock(kNow);
  Authenticator auth(store, clock);
  const Status s = auth.Authenticate(GenerateApiKey().token).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  // A malformed token needs no store: still the invalid-key answer.
  ExpectInvalidKey(auth.Authenticate("garbage").status());
  META_EXPECT_CODE(CreateKeyForProject(store, clock, "alpha"), StatusCode::kUnavailable);
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every byte the database keeps on disk (main file, WAL, shared memory index).
std::string DatabaseBytes(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    all += ReadAll(entry.path());
  }
  return all;
}

TEST_F(AuthenticatorTest, TheSecretIsNeverStored) {
  META_ASSIGN_OR_FAIL(std::string token, CreateKeyForProject(*store_, clock_, "alpha"));
  const std::string secret = token.substr(17);
  const std::string hash = Sha256::HexOf(secret);

  // While open (the row is still in the WAL) and after close (checkpointed into the main file).
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "open" : "closed");
    const std::string bytes = DatabaseBytes(dir_.path());
    ASSERT_NE(bytes.find(hash), std::string::npos) << "the scan must see the stored hash";
    EXPECT_EQ(bytes.find(secret), std::string::npos);
    EXPECT_EQ(bytes.find(secret.substr(0, 16)), std::string::npos);  // not even a part of it
    EXPECT_EQ(bytes.find(token), std::string::npos);
    store_.reset();
  }
}

}  // namespace
}  // namespace filesd
