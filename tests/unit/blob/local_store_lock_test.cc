// The local blob store's single-process rule (blob/local_store_lock.h): OpenExclusive admits one
// holder of a root at a time, in this process or another, and frees the root when the store goes.
#include "blob/local_store_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "blob/local_blob_store.h"
#include "conformance/metadata_store_test_util.h"

namespace filesd {
namespace {

TEST(LocalStoreLockTest, OneExclusiveStorePerRootUntilItCloses) {
  meta_test::ScratchDir dir;
  const std::string root = dir.path() + "/data";
  auto first = LocalBlobStore::OpenExclusive(root);
  ASSERT_TRUE(first.ok()) << first.status().ToString();

  auto second = LocalBlobStore::OpenExclusive(root);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().reason(), "store_locked");
  EXPECT_NE(second.status().message().find("another filesd server is already serving"),
            std::string::npos);
  EXPECT_EQ(second.status().message().find(root), std::string::npos);  // no path in messages

  // Another process is refused too.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ::_exit(LocalBlobStore::OpenExclusive(root).ok() ? 1 : 0);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

  // Open() (tests, tools) takes no lock; closing the exclusive store frees the root.
  EXPECT_TRUE(LocalBlobStore::Open(root).ok());
  first.value().reset();
  EXPECT_TRUE(LocalBlobStore::OpenExclusive(root).ok());
}

}  // namespace
}  // namespace filesd
