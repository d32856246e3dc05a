#include "net/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <regex>

namespace filesd {
namespace {

using std::chrono::system_clock;

AccessLogEntry SignedPut() {
  AccessLogEntry e;
  e.request_id = "0123456789abcdef";
  e.method = "PUT";
  e.target = "/v1/files/upload/f1?exp=1796282954&size=3&sig=c2VjcmV0LXNpZ25hdHVyZQ";
  e.route = "files.upload_put";
  e.remote_addr = "127.0.0.1:5000";
  e.status = 200;
  e.bytes_in = 3;
  e.bytes_out = 120;
  e.duration_ms = 12.3456789;
  return e;
}

TEST(AccessLogTest, LineIsJsonWithFixedPointTimesAndNoSignature) {
  const auto now = system_clock::time_point(std::chrono::milliseconds(1796282954268));
  const std::string line = AccessLog::FormatLine(SignedPut(), now);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_NE(line.find(R"("ts":1796282954.268,)"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("duration_ms":12.346,)"), std::string::npos) << line;
  EXPECT_EQ(line.find("c2VjcmV0LXNpZ25hdHVyZQ"), std::string::npos) << line;
  EXPECT_FALSE(std::regex_search(line, std::regex(R"(\d[eE][-+]?\d)"))) << "exponent: " << line;

  const boost::json::object o = boost::json::parse(line).as_object();
  EXPECT_EQ(o.at("path").as_string(), "/v1/files/upload/f1?exp=1796282954&size=3&sig=REDACTED");
  EXPECT_EQ(o.at("status").as_int64(), 200);
  EXPECT_EQ(o.at("bytes_in").as_int64(), 3);
  EXPECT_EQ(o.at("route").as_string(), "files.upload_put");
  EXPECT_EQ(o.at("remote").as_string(), "127.0.0.1:5000");
  EXPECT_FALSE(o.contains("project_id"));
  EXPECT_FALSE(o.contains("error"));
}

TEST(AccessLogTest, MillisecondsArePaddedAndLongDurationsStayFixed) {
  AccessLogEntry e = SignedPut();
  e.duration_ms = 123456789.0;
  const std::string line =
      AccessLog::FormatLine(e, system_clock::time_point(std::chrono::milliseconds(1700000000005)));
  EXPECT_NE(line.find(R"("ts":1700000000.005,)"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("duration_ms":123456789.000,)"), std::string::npos) << line;
}

TEST(AccessLogTest, StringsAreEscaped) {
  AccessLogEntry e = SignedPut();
  e.route = "a \"quoted\" \\ route\x01";
  e.error = "client said \"bye\"\n";
  const std::string line = AccessLog::FormatLine(e, system_clock::now());
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  const boost::json::object o = boost::json::parse(line).as_object();
  EXPECT_EQ(o.at("route").as_string(), "a \"quoted\" \\ route\x01");
  EXPECT_EQ(o.at("error").as_string(), "client said \"bye\"\n");
}

TEST(AccessLogTest, RawBytesOfATargetArePercentEncodedSoTheLineIsUtf8) {
  AccessLogEntry e = SignedPut();
  e.target = "/v1/files/\xff\xfe caf\xc3\xa9?sig=\xff";
  const std::string line = AccessLog::FormatLine(e, system_clock::now());
  for (const char c : line) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << line;
  const boost::json::object o = boost::json::parse(line).as_object();
  EXPECT_EQ(o.at("path").as_string(), "/v1/files/%FF%FE%20caf%C3%A9?sig=REDACTED");
}

TEST(AccessLogTest, WriteReachesTheDescriptorWithoutAFlushOrTheLogEnding) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  {
    AccessLog log(true, fds[1]);
    log.Write(SignedPut());
    char buf[4096];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);  // would block for ever if lines waited
    ASSERT_GT(n, 0);
    const std::string got(buf, static_cast<size_t>(n));
    EXPECT_TRUE(std::regex_search(got, std::regex(R"(^\{"ts":\d{10}\.\d{3},)"))) << got;
    EXPECT_EQ(got.back(), '\n');
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(AccessLogTest, DisabledWritesNothing) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  {
    AccessLog log(false, fds[1]);
    log.Write(SignedPut());
    log.Flush();
  }
  char buf[16];
  EXPECT_EQ(::read(fds[0], buf, sizeof buf), -1);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace filesd
