// Helpers for the metadata store tests (conformance and unit): status assertions and a scratch
// directory.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "base/status.h"

namespace filesd::meta_test {

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

// A fresh directory (under $TEST_TMPDIR or the system temp dir), removed with its contents on
// destruction. path() is empty if it could not be made; the constructor then records a failure.
class ScratchDir {
 public:
  ScratchDir() {
    std::error_code ec;
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern = (base != nullptr && *base != '\0')
                              ? std::string(base)
                              : std::filesystem::temp_directory_path(ec).string();
    pattern += "/filesd-meta-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
      return;
    }
    path_ = std::move(pattern);
  }
  ~ScratchDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace filesd::meta_test

// Asserts that a Status or Result is OK, printing the status otherwise.
#define META_ASSERT_OK(expr)                                                           \
  do {                                                                                 \
    const auto& meta_assert_ok_ = (expr);                                              \
    ASSERT_TRUE(::filesd::meta_test::StatusOf(meta_assert_ok_).ok())                   \
        << #expr << ": " << ::filesd::meta_test::StatusOf(meta_assert_ok_).ToString(); \
  } while (0)

#define META_EXPECT_OK(expr)                                                           \
  do {                                                                                 \
    const auto& meta_expect_ok_ = (expr);                                              \
    EXPECT_TRUE(::filesd::meta_test::StatusOf(meta_expect_ok_).ok())                   \
        << #expr << ": " << ::filesd::meta_test::StatusOf(meta_expect_ok_).ToString(); \
  } while (0)

// Expects a Status or Result to carry `expected_code` (a filesd::StatusCode).
#define META_EXPECT_CODE(expr, expected_code)                                            \
  do {                                                                                   \
    const auto& meta_expect_code_ = (expr);                                              \
    EXPECT_EQ(::filesd::meta_test::StatusOf(meta_expect_code_).code(), expected_code)    \
        << #expr << ": " << ::filesd::meta_test::StatusOf(meta_expect_code_).ToString(); \
  } while (0)

#define META_CONCAT_INNER_(a, b) a##b
#define META_CONCAT_(a, b) META_CONCAT_INNER_(a, b)
// Declares `lhs` from an OK Result's value, or fails the test (fatally) with the status.
#define META_ASSIGN_OR_FAIL(lhs, expr)                                              \
  auto META_CONCAT_(meta_result_, __LINE__) = (expr);                               \
  ASSERT_TRUE(META_CONCAT_(meta_result_, __LINE__).ok())                            \
      << #expr << ": " << META_CONCAT_(meta_result_, __LINE__).status().ToString(); \
  lhs = std::move(META_CONCAT_(meta_result_, __LINE__)).value()
