// Api::Match(): which requests may be decided on the I/O thread (MatchedRequest::inline_ok): only
// those whose Begin() is short and bounded. Listing and usage (a count that grows with the data),
// file content (disk), deletes and uploads (fsync, bodies) and readiness (probes the stores) are not.
#include <gtest/gtest.h>

#include <string>

#include "api/api.h"

namespace filesd {
namespace {

RequestHead Head(http::verb method, const std::string& target) {
  RequestHead head;
  head.header.method(method);
  head.header.target(target);
  return head;
}

bool InlineOk(http::verb method, const std::string& target) {
  Api api{Services{}};
  return api.Match(Head(method, target)).inline_ok;
}

constexpr const char* kFile = "/v1/files/30b9f1b3-0237-40d8-a94d-50aee22fce1b";

TEST(RouteMatchTest, ShortBoundedRequestsMayRunInline) {
  EXPECT_TRUE(InlineOk(http::verb::get, kFile));
  EXPECT_TRUE(InlineOk(http::verb::head, kFile));
  EXPECT_TRUE(InlineOk(http::verb::get, "/files/x"));
  EXPECT_TRUE(InlineOk(http::verb::get, "/healthz"));
  EXPECT_TRUE(InlineOk(http::verb::get, "/metrics"));
  // Answered from the header alone: 404, 405, preflight, a malformed target.
  EXPECT_TRUE(InlineOk(http::verb::get, "/nope"));
  EXPECT_TRUE(InlineOk(http::verb::patch, kFile));
  EXPECT_TRUE(InlineOk(http::verb::options, "/v1/files"));
  EXPECT_TRUE(InlineOk(http::verb::get, "not a target"));
}

TEST(RouteMatchTest, LongOrUnboundedRequestsStayOnThePools) {
  EXPECT_FALSE(InlineOk(http::verb::get, "/v1/files"));
  EXPECT_FALSE(InlineOk(http::verb::get, "/v1/files?limit=100"));
  EXPECT_FALSE(InlineOk(http::verb::get, "/v1/usage"));
  EXPECT_FALSE(InlineOk(http::verb::get, "/readyz"));
  EXPECT_FALSE(InlineOk(http::verb::get, std::string(kFile) + "/content"));
  EXPECT_FALSE(InlineOk(http::verb::get, std::string(kFile) + "/text"));
  EXPECT_FALSE(InlineOk(http::verb::delete_, kFile));
  EXPECT_FALSE(InlineOk(http::verb::post, "/v1/files"));
  EXPECT_FALSE(InlineOk(http::verb::put, "/v1/uploads/x"));
}

TEST(RouteMatchTest, DrainingRequestsAreRefusedInline) {
  RequestHead head = Head(http::verb::post, "/v1/files");
  head.draining = true;
  Api api{Services{}};
  EXPECT_TRUE(api.Match(head).inline_ok);
}

}  // namespace
}  // namespace filesd
