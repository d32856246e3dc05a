#include "meta/records.h"

#include <gtest/gtest.h>

namespace filesd {
namespace {

TEST(RecordsTest, FileStatusNamesRoundTrip) {
  const std::pair<FileStatus, const char*> cases[] = {
      {FileStatus::kPending, "pending"},     {FileStatus::kUploading, "uploading"},
      {FileStatus::kUploaded, "uploaded"},   {FileStatus::kProcessing, "processing"},
      {FileStatus::kProcessed, "processed"}, {FileStatus::kError, "error"},
  };
  for (const auto& [status, name] : cases) {
    EXPECT_EQ(FileStatusName(status), name);
    ASSERT_TRUE(ParseFileStatus(name).has_value()) << name;
    EXPECT_EQ(*ParseFileStatus(name), status) << name;
  }
}

TEST(RecordsTest, ParseFileStatusRejectsAnythingElse) {
  for (const char* bad : {"", "Pending", "PROCESSED", "uploaded ", "deleted", "expired", "err"}) {
    EXPECT_FALSE(ParseFileStatus(bad).has_value()) << bad;
  }
}

TEST(RecordsTest, KnownPurposesAreExactlyThoseOfTheApi) {
  for (const char* p : {"assistants", "batch", "fine-tune", "vision", "user_data", "evals"}) {
    EXPECT_TRUE(IsKnownPurpose(p)) << p;
  }
  for (const char* p : {"", "Assistants", "fine_tune", "user-data", "assistants ", "results",
                        "batch_output", "eval"}) {
    EXPECT_FALSE(IsKnownPurpose(p)) << p;
  }
}

}  // namespace
}  // namespace filesd
