// RequestFingerprint: the same request in another framing has the same fingerprint; any change of
// route, path or meaning changes it; a body that does not parse has none.
#include "api/request_fingerprint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace filesd {
namespace {

std::optional<std::string> Fingerprint(std::string_view route, std::vector<std::string> params,
                                       BodyKind kind, std::string_view content_type,
                                       std::string_view body, size_t piece = 0) {
  RequestFingerprint fp(route, params, kind, content_type);
  if (piece == 0) piece = body.size() + 1;
  for (size_t i = 0; i < body.size(); i += piece) fp.Feed(body.substr(i, piece));
  return fp.Finish();
}

std::optional<std::string> Json(std::string_view body, std::string_view route = "r",
                                std::vector<std::string> params = {}) {
  return Fingerprint(route, std::move(params), BodyKind::kJson, "application/json", body);
}

std::string Form(std::string_view boundary, std::string_view purpose, std::string_view filename,
                 std::string_view content) {
  std::string b(boundary);
  return "--" + b + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" +
         std::string(purpose) + "\r\n--" + b +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + std::string(filename) +
         "\"\r\nContent-Type: text/plain\r\n\r\n" + std::string(content) + "\r\n--" + b + "--\r\n";
}

std::optional<std::string> Multipart(std::string_view boundary, std::string_view body,
                                     size_t piece = 0) {
  return Fingerprint("files.create", {}, BodyKind::kMultipart,
                     "multipart/form-data; boundary=" + std::string(boundary), body, piece);
}

TEST(RequestFingerprintTest, JsonKeyOrderAndWhitespaceDoNotMatter) {
  const auto a = Json(R"({"filename":"a.csv","purpose":"user_data","n":[1,{"y":2,"x":1}]})");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(a, Json(" {\n \"n\" : [1, {\"x\":1,\"y\":2}], "
                    "\"purpose\":\"user_data\",\"filename\":\"a.csv\"}"));
  EXPECT_NE(a, Json(R"({"filename":"b.csv","purpose":"user_data","n":[1,{"y":2,"x":1}]})"));
  EXPECT_NE(a, Json(R"({"filename":"a.csv","purpose":"user_data","n":[{"y":2,"x":1},1]})"));
  EXPECT_NE(Json(R"({"n":1})"), Json(R"({"n":"1"})"));
}

TEST(RequestFingerprintTest, BlankJsonIsTheEmptyObject) {
  EXPECT_EQ(Json(""), Json("{}"));
  EXPECT_EQ(Json(" \r\n"), Json("{ }"));
}

TEST(RequestFingerprintTest, RouteAndPathParametersAreParts) {
  EXPECT_NE(Json("{}", "uploads.complete", {"a"}), Json("{}", "uploads.complete", {"b"}));
  EXPECT_NE(Json("{}", "files.upload_url"), Json("{}", "uploads.create"));
  // Length prefixes: moving a character between route and parameter changes the result.
  EXPECT_NE(Json("{}", "ab", {"c"}), Json("{}", "a", {"bc"}));
}

TEST(RequestFingerprintTest, UnparsableBodiesHaveNoFingerprint) {
  EXPECT_FALSE(Json("{\"a\":").has_value());
  EXPECT_FALSE(Json(std::string(70000, ' ') + "{}").has_value());  // over the JSON body limit
  EXPECT_FALSE(
      Multipart("xyz", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv").has_value());
  EXPECT_FALSE(
      Fingerprint("files.create", {}, BodyKind::kMultipart, "text/plain", "x").has_value());
}

TEST(RequestFingerprintTest, MultipartBoundaryAndSplittingDoNotMatter) {
  const auto a = Multipart("AaB03x", Form("AaB03x", "user_data", "n.txt", "hello world"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a, Multipart("zz--other-boundary",
                         Form("zz--other-boundary", "user_data", "n.txt", "hello world")));
  for (size_t piece : {1u, 3u, 17u}) {
    EXPECT_EQ(a, Multipart("q1", Form("q1", "user_data", "n.txt", "hello world"), piece)) << piece;
  }
}

TEST(RequestFingerprintTest, MultipartContentNameAndFieldsMatter) {
  const auto a = Multipart("b", Form("b", "user_data", "n.txt", "hello world"));
  EXPECT_NE(a, Multipart("b", Form("b", "user_data", "n.txt", "hello world!")));
  EXPECT_NE(a, Multipart("b", Form("b", "user_data", "m.txt", "hello world")));
  EXPECT_NE(a, Multipart("b", Form("b", "assistants", "n.txt", "hello world")));
}

}  // namespace
}  // namespace filesd
