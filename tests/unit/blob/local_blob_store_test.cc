// LocalBlobStore behaviour beyond the shared conformance suite: the on-disk layout, temp-file
// hygiene, crash leftovers, error mapping, and fault injection over a real directory.
#include "blob/local_blob_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "base/crypto.h"
#include "base/status.h"
#include "blob/fault_injecting_blob_store.h"
#include "conformance/blob_store_conformance.h"

namespace filesd {
namespace {

namespace fs = std::filesystem;
using conformance::ScopedTempDir;

#define FILESD_ASSERT_OK(expr)                       \
  do {                                               \
    const ::filesd::Status status_ = (expr);         \
    ASSERT_TRUE(status_.ok()) << status_.ToString(); \
  } while (0)

// Regular files anywhere under `dir`, as paths relative to it.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), dir).string());
  }
  EXPECT_FALSE(ec) << ec.message();
  return out;
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    root_ = tmp_.path() + "/data";
    auto store = LocalBlobStore::Open(root_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  std::string blobs() const { return root_ + "/blobs"; }
  std::string tmp() const { return root_ + "/tmp"; }

  ScopedTempDir tmp_;
  std::string root_;
  std::unique_ptr<LocalBlobStore> store_;
};

TEST_F(LocalBlobStoreTest, OpenCreatesPrivateFoldersAndIsIdempotent) {
  EXPECT_EQ(ModeOf(blobs()), 0700u);
  EXPECT_EQ(ModeOf(tmp()), 0700u);
  EXPECT_EQ(store_->root_dir(), root_);

  // Missing levels above the root are created too; opening an existing root again is fine.
  const std::string nested = tmp_.path() + "/x/y/z/";
  auto first = LocalBlobStore::Open(nested);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->root_dir(), tmp_.path() + "/x/y/z");
  EXPECT_TRUE(fs::is_directory(nested + "blobs"));
  auto again = LocalBlobStore::Open(nested);
  ASSERT_TRUE(again.ok()) << again.status().ToString();

  EXPECT_EQ(LocalBlobStore::Open("").status().code(), StatusCode::kInvalidArgument);
  // A root that is a file cannot be used.
  WriteFile(tmp_.path() + "/plain-file", "x");
  auto on_file = LocalBlobStore::Open(tmp_.path() + "/plain-file");
  EXPECT_FALSE(on_file.ok());
  EXPECT_EQ(on_file.status().message().find(tmp_.path()), std::string::npos)
      << on_file.status().message();
}

TEST_F(LocalBlobStoreTest, NothingUnderBlobsBeforeCommit) {
  const std::string key = "content/file-1/upload-1";
  auto writer = store_->NewWriter(key);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  const std::string content(3 << 20, 'q');
  FILESD_ASSERT_OK((*writer)->Append(content));

  EXPECT_TRUE(FilesUnder(blobs()).empty());
  const std::vector<std::string> temps = FilesUnder(tmp());
  ASSERT_EQ(temps.size(), 1u);
  EXPECT_TRUE(temps[0].ends_with(".part")) << temps[0];
  EXPECT_EQ(temps[0].find("upload"), std::string::npos) << "the key leaked into the temp name";
  EXPECT_EQ(ModeOf(tmp() + "/" + temps[0]), 0600u);
  EXPECT_EQ(fs::file_size(tmp() + "/" + temps[0]), content.size());

  auto info = (*writer)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(FilesUnder(blobs()), std::vector<std::string>{key});
  EXPECT_TRUE(FilesUnder(tmp()).empty());
  EXPECT_EQ(ModeOf(blobs() + "/" + key), 0600u);
  EXPECT_EQ(ModeOf(blobs() + "/content/file-1"), 0700u);
  EXPECT_TRUE(ReadFile(blobs() + "/" + key) == content);
}

TEST_F(LocalBlobStoreTest, AbortAndDestructionRemoveTheTempFile) {
  {
    auto writer = store_->NewWriter("a/b");
    ASSERT_TRUE(writer.ok());
    FILESD_ASSERT_OK((*writer)->Append("x"));
    ASSERT_EQ(FilesUnder(tmp()).size(), 1u);
    (*writer)->Abort();
    EXPECT_TRUE(FilesUnder(tmp()).empty());
  }
  {
    auto writer = store_->NewWriter("a/b");
    ASSERT_TRUE(writer.ok());
    FILESD_ASSERT_OK((*writer)->Append("x"));
    ASSERT_EQ(FilesUnder(tmp()).size(), 1u);
  }
  EXPECT_TRUE(FilesUnder(tmp()).empty());
  EXPECT_TRUE(FilesUnder(blobs()).empty());
}

TEST_F(LocalBlobStoreTest, RemoveAbandonedWritesRemovesStrayFilesAndKeepsLiveWriters) {
  auto live = store_->NewWriter("content/live/one");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  FILESD_ASSERT_OK((*live)->Append("live data "));
  const std::vector<std::string> live_temp = FilesUnder(tmp());
  ASSERT_EQ(live_temp.size(), 1u);

  // Leftovers of a crashed writer, and any other junk.
  WriteFile(tmp() + "/0123456789abcdef0123456789abcdef.part", std::string(1000, 'c'));
  WriteFile(tmp() + "/junk", "j");
  ASSERT_EQ(FilesUnder(tmp()).size(), 3u);

  auto removed = store_->RemoveAbandonedWrites();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 2u);
  EXPECT_EQ(FilesUnder(tmp()), live_temp);

  // The live writer is unharmed.
  FILESD_ASSERT_OK((*live)->Append("still here"));
  auto info = (*live)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(ReadFile(blobs() + "/content/live/one"), "live data still here");

  removed = store_->RemoveAbandonedWrites();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0u);
}

TEST_F(LocalBlobStoreTest, RemoveAbandonedWritesCleansUpAfterACrashedProcess) {
  // A child process opens the same root, writes, and dies without commit or abort (no destructors).
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = LocalBlobStore::Open(root_);
    if (!store.ok()) ::_exit(2);
    auto writer = (*store)->NewWriter("content/crashed/upload");
    if (!writer.ok()) ::_exit(3);
    if (!(*writer)->Append(std::string(1 << 20, 'z')).ok()) ::_exit(4);
    ::_exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);

  ASSERT_EQ(FilesUnder(tmp()).size(), 1u);
  EXPECT_EQ(store_->Stat("content/crashed/upload").status().code(), StatusCode::kNotFound);
  auto removed = store_->RemoveAbandonedWrites();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 1u);
  EXPECT_TRUE(FilesUnder(tmp()).empty());
  EXPECT_TRUE(FilesUnder(blobs()).empty());
}

TEST_F(LocalBlobStoreTest, DeleteRemovesEmptyParentsButNeverTheBlobsFolder) {
  ASSERT_TRUE(store_->NewWriter("a/b/c").value()->Commit().ok());
  ASSERT_TRUE(store_->NewWriter("a/d").value()->Commit().ok());
  FILESD_ASSERT_OK(store_->Delete("a/b/c"));
  EXPECT_FALSE(fs::exists(blobs() + "/a/b"));
  EXPECT_TRUE(fs::is_directory(blobs() + "/a"));
  FILESD_ASSERT_OK(store_->Delete("a/d"));
  EXPECT_FALSE(fs::exists(blobs() + "/a"));
  EXPECT_TRUE(fs::is_directory(blobs()));
  EXPECT_TRUE(fs::is_empty(blobs()));

  // A key that is only a prefix of others is absent: deleting it is OK and touches nothing.
  ASSERT_TRUE(store_->NewWriter("p/q").value()->Commit().ok());
  FILESD_ASSERT_OK(store_->Delete("p"));
  EXPECT_TRUE(store_->Stat("p/q").ok());
}

TEST_F(LocalBlobStoreTest, ContentSurvivesReopening) {
  auto writer = store_->NewWriter("content/f/u");
  ASSERT_TRUE(writer.ok());
  FILESD_ASSERT_OK((*writer)->Append("durable"));
  ASSERT_TRUE((*writer)->Commit().ok());
  writer.value().reset();
  store_.reset();

  auto reopened = LocalBlobStore::Open(root_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto reader = (*reopened)->NewReader("content/f/u");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::string buf(16, '\0');
  auto n = (*reader)->ReadAt(0, std::span<char>(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf.substr(0, *n), "durable");
}

TEST_F(LocalBlobStoreTest, WriterOutlivesItsStore) {
  auto writer = store_->NewWriter("content/f/late");
  ASSERT_TRUE(writer.ok());
  store_.reset();
  FILESD_ASSERT_OK((*writer)->Append("late"));
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(ReadFile(blobs() + "/content/f/late"), "late");
}

TEST_F(LocalBlobStoreTest, ReaderOffersItsFileForZeroCopySends) {
  auto writer = store_->NewWriter("content/f/z");
  ASSERT_TRUE(writer.ok());
  FILESD_ASSERT_OK((*writer)->Append("zero-copy bytes"));
  ASSERT_TRUE((*writer)->Commit().ok());
  auto reader = store_->NewReader("content/f/z");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const int fd = (*reader)->local_fd();
  ASSERT_GE(fd, 0);
  char buf[16] = {};
  ASSERT_EQ(::pread(fd, buf, sizeof buf, 5), 10);
  EXPECT_EQ(std::string(buf, 10), "copy bytes");
  // The file keeps the version opened, as ReadAt does, even once the key is deleted.
  FILESD_ASSERT_OK(store_->Delete("content/f/z"));
  EXPECT_EQ(::pread(fd, buf, 4, 0), 4);
  EXPECT_EQ(std::string(buf, 4), "zero");
  // A wrapped reader has no file to offer: its reads must go through the wrapper.
  FaultInjectingBlobStore faulty(store_.get());
  auto w2 = store_->NewWriter("content/f/y");
  ASSERT_TRUE(w2.ok());
  FILESD_ASSERT_OK((*w2)->Append("y"));
  ASSERT_TRUE((*w2)->Commit().ok());
  auto wrapped = faulty.NewReader("content/f/y");
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ((*wrapped)->local_fd(), -1);
}

TEST_F(LocalBlobStoreTest, LocalPathPointsAtCommittedContent) {
  auto path = store_->LocalPath("content/f/u");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, blobs() + "/content/f/u");
  EXPECT_EQ(store_->LocalPath("../etc/passwd").status().code(), StatusCode::kInvalidArgument);
  auto writer = store_->NewWriter("content/f/u");
  ASSERT_TRUE(writer.ok());
  FILESD_ASSERT_OK((*writer)->Append("via path"));
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(ReadFile(*path), "via path");
}

TEST_F(LocalBlobStoreTest, ErrorsNameTheStepButNeverAPath) {
  // Pull the folders out from under the store.
  auto writer = store_->NewWriter("content/f/u");
  ASSERT_TRUE(writer.ok());
  FILESD_ASSERT_OK((*writer)->Append("doomed"));
  fs::remove_all(blobs());
  auto commit = (*writer)->Commit();
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(commit.status().message(), "create directory failed: No such file or directory");
  (*writer)->Abort();
  EXPECT_TRUE(FilesUnder(tmp()).empty()) << "a failed commit left its temp file after Abort()";

  Status ready = store_->CheckReady();
  EXPECT_EQ(ready.code(), StatusCode::kUnavailable);
  EXPECT_EQ(ready.message().find(root_), std::string::npos) << ready.message();

  fs::remove_all(tmp());
  auto no_tmp = store_->NewWriter("content/f/v");
  ASSERT_FALSE(no_tmp.ok());
  EXPECT_EQ(no_tmp.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(no_tmp.status().message(), "create temp file failed: No such file or directory");
  auto sweep = store_->RemoveAbandonedWrites();
  ASSERT_FALSE(sweep.ok());
  EXPECT_EQ(sweep.status().message().find(root_), std::string::npos) << sweep.status().message();

  ASSERT_TRUE(fs::create_directory(blobs()));
  ready = store_->CheckReady();
  EXPECT_EQ(ready.code(), StatusCode::kUnavailable);
  EXPECT_EQ(ready.message(), "create probe file failed: No such file or directory");
  ASSERT_TRUE(fs::create_directory(tmp()));
  FILESD_ASSERT_OK(store_->CheckReady());
  EXPECT_TRUE(FilesUnder(tmp()).empty()) << "the readiness probe left a file behind";
}

TEST(LocalBlobStoreErrnoTest, MapsErrnoToWhatTheCallerShouldDo) {
  using local_blob_internal::ErrnoToStatus;
  const Status full = ErrnoToStatus("write", ENOSPC);
  EXPECT_EQ(full.code(), StatusCode::kUnavailable);
  EXPECT_EQ(full.message(), "storage is full: write failed: No space left on device");
  EXPECT_EQ(full.reason(), "storage_full");
  const Status quota = ErrnoToStatus("write", EDQUOT);
  EXPECT_EQ(quota.code(), StatusCode::kUnavailable);
  EXPECT_EQ(quota.reason(), "storage_full");
  const Status io = ErrnoToStatus("sync", EIO);
  EXPECT_EQ(io.code(), StatusCode::kUnavailable);
  EXPECT_EQ(io.message(), "sync failed: Input/output error");
  for (int missing_or_read_only : {ENOENT, ENOTDIR, EROFS, EACCES, EPERM}) {
    const Status status = ErrnoToStatus("create temp file", missing_or_read_only);
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
    EXPECT_EQ(status.reason(), "") << status.ToString();
  }
  const Status other = ErrnoToStatus("rename", EXDEV);
  EXPECT_EQ(other.code(), StatusCode::kInternal);
  EXPECT_EQ(other.message(), "rename failed: Invalid cross-device link");
  EXPECT_EQ(ErrnoToStatus("open", EMFILE).code(), StatusCode::kInternal);
}

// Fault injection over a real directory: for every n, failing the n-th operation of an upload
// leaves either the whole blob (the failure came after the commit) or nothing, and no temp file.
TEST_F(LocalBlobStoreTest, FaultInjectionFailsExactlyTheNthOperationAndLeavesNoDebris) {
  FaultInjectingBlobStore faulty(store_.get());
  const std::string content(5 << 20, 'f');
  // NewWriter, 5 Appends, Commit, Stat: 8 operations.
  auto upload = [&](const std::string& key) -> Status {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, faulty.NewWriter(key));
    for (size_t off = 0; off < content.size(); off += 1 << 20) {
      FILESD_RETURN_IF_ERROR(writer->Append(std::string_view(content).substr(off, 1 << 20)));
    }
    FILESD_ASSIGN_OR_RETURN(BlobInfo info, writer->Commit());
    (void)info;
    return faulty.Stat(key).status();
  };
  FILESD_ASSERT_OK(upload("content/dry/run"));
  const uint64_t ops = faulty.operation_count();
  ASSERT_EQ(ops, 8u);
  FILESD_ASSERT_OK(store_->Delete("content/dry/run"));

  for (uint64_t n = 1; n <= ops; ++n) {
    SCOPED_TRACE(::testing::Message() << "n = " << n);
    const std::string key = "content/run/n" + std::to_string(n);
    faulty.FailNthOperation(n);
    const Status status = upload(key);
    EXPECT_EQ(status.code(), StatusCode::kUnavailable);
    EXPECT_EQ(status.message(), FaultInjectingBlobStore::kInjectedMessage);
    EXPECT_EQ(faulty.operation_count(), n) << "the upload went on after the failure";
    EXPECT_EQ(faulty.injected_failure_count(), 1u);
    EXPECT_TRUE(FilesUnder(tmp()).empty());
    // Only a failed final Stat happens after the commit.
    EXPECT_EQ(store_->Stat(key).ok(), n == ops);
    FILESD_ASSERT_OK(store_->Delete(key));
  }
  EXPECT_TRUE(FilesUnder(blobs()).empty());
}

TEST_F(LocalBlobStoreTest, ComposeCommitsLikeAWriterAndSurvivesReopening) {
  ASSERT_NE(store_->composable(), nullptr);
  for (const auto& [key, content] : {std::pair<std::string, std::string>{"segment/f/a", "dur"},
                                     std::pair<std::string, std::string>{"segment/f/b", "able"}}) {
    auto writer = store_->NewWriter(key);
    ASSERT_TRUE(writer.ok());
    FILESD_ASSERT_OK((*writer)->Append(content));
    ASSERT_TRUE((*writer)->Commit().ok());
  }
  auto info = store_->Compose("content/f/whole", {"segment/f/a", "segment/f/b"});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, 7u);
  EXPECT_TRUE(FilesUnder(tmp()).empty());
  EXPECT_EQ(ModeOf(blobs() + "/content/f/whole"), 0600u);
  store_.reset();

  auto reopened = LocalBlobStore::Open(root_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto path = (*reopened)->LocalPath("content/f/whole");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(ReadFile(*path), "durable");
}

TEST_F(LocalBlobStoreTest, FaultInjectionCountsComposeAsOneOperation) {
  FaultInjectingBlobStore faulty(store_.get());
  ASSERT_EQ(faulty.composable(), &faulty);
  for (const char* key : {"segment/f/a", "segment/f/b"}) {
    auto writer = store_->NewWriter(key);
    ASSERT_TRUE(writer.ok());
    FILESD_ASSERT_OK((*writer)->Append(key));
    ASSERT_TRUE((*writer)->Commit().ok());
  }
  const std::vector<std::string> sources = {"segment/f/a", "segment/f/b"};
  faulty.FailNthOperation(1);
  auto failed = ComposeBlobs(faulty, "content/f/x", sources);
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(faulty.operation_count(), 1u);
  EXPECT_EQ(store_->Stat("content/f/x").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(FilesUnder(tmp()).empty());

  // The effect happened but the reply was lost: the content is there, the caller saw a failure.
  faulty.FailNthOperation(1, FaultInjectingBlobStore::Mode::kOnce,
                          FaultInjectingBlobStore::Timing::kAfter);
  EXPECT_FALSE(ComposeBlobs(faulty, "content/f/y", sources).ok());
  EXPECT_EQ(ReadFile(blobs() + "/content/f/y"), "segment/f/asegment/f/b");

  faulty.Disarm();
  auto ok = ComposeBlobs(faulty, "content/f/z", sources);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(faulty.operation_count(), 1u);
}

}  // namespace
}  // namespace filesd

namespace filesd {
namespace {

// A large blob appended in uneven pieces (small ones, and some larger than the overlapped hash's
// threshold or the writeback window): its bytes, size and digest are exactly the ones appended, the
// digest also when resumed from a state, and aborting one mid-stream leaves nothing.
TEST_F(LocalBlobStoreTest, LargeBlobsInUnevenAppendsAreStoredAndHashedExactly) {
  std::string content;
  for (size_t i = 0; content.size() < (9u << 20) + 12345; ++i) {
    content.append(std::string(1 + (i * 7919) % 700000, static_cast<char>('a' + i % 26)));
  }
  Sha256 prefix;
  prefix.Update("prefix bytes");
  Sha256 whole;
  whole.Update("prefix bytes");
  whole.Update(content);

  auto writer = store_->NewWriter("content/large");
  ASSERT_TRUE(writer.ok());
  FILESD_ASSERT_OK((*writer)->ResumeDigest(prefix.ExportState()));
  size_t at = 0;
  for (size_t i = 0; at < content.size(); ++i) {
    const size_t n = std::min(content.size() - at, size_t{1} + (i * 104729) % (3u << 20));
    FILESD_ASSERT_OK((*writer)->Append(std::string_view(content).substr(at, n)));
    at += n;
    ASSERT_EQ((*writer)->size_bytes(), at);
  }
  auto info = (*writer)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, content.size());
  EXPECT_EQ(info->sha256_hex, whole.FinishHex());
  EXPECT_TRUE(ReadFile(blobs() + "/content/large") == content);

  auto aborted = store_->NewWriter("content/aborted");
  ASSERT_TRUE(aborted.ok());
  FILESD_ASSERT_OK((*aborted)->Append(content));
  (*aborted)->Abort();
  EXPECT_EQ(FilesUnder(root_), std::vector<std::string>{"blobs/content/large"});
}

}  // namespace
}  // namespace filesd
