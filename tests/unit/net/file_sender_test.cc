// AsyncSendFile (net/file_sender.h) over a real loopback TCP connection and a real file.
#include "net/file_sender.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <thread>

namespace filesd::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A file of `size` pseudo-random bytes, unlinked at once (the descriptor keeps it).
struct TempFile {
  explicit TempFile(size_t size) {
    char name[] = "/tmp/file_sender_test.XXXXXX";
    fd = ::mkstemp(name);
    ::unlink(name);
    bytes.resize(size);
    std::mt19937 gen(42);
    for (auto& c : bytes) c = static_cast<char>(gen());
    EXPECT_EQ(::pwrite(fd, bytes.data(), size, 0), static_cast<ssize_t>(size));
  }
  ~TempFile() { ::close(fd); }
  int fd;
  std::string bytes;
};

// A connected pair: `server` (on a strand of `ioc`, which the test runs) and a blocking `client`.
struct Connection {
  Connection() : server(asio::make_strand(ioc)), client(client_ioc) {
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
  asio::io_context ioc;
  asio::io_context client_ioc;
  tcp::socket server;
  tcp::socket client;
};

struct Outcome {
  boost::beast::error_code ec;
  uint64_t sent = 0;
};

Outcome Send(Connection& c, FileRegion region, SendFileLimits limits) {
  std::optional<Outcome> out;
  asio::post(c.server.get_executor(), [&] {
    AsyncSendFile(c.server, region, limits, [&](boost::beast::error_code ec, uint64_t sent) {
      out = Outcome{ec, sent};
      c.server.close();
    });
  });
  c.ioc.run();
  EXPECT_TRUE(out.has_value());
  return out.value_or(Outcome{});
}

constexpr SendFileLimits kPatient{std::chrono::seconds(30), 64 * 1024};

TEST(FileSenderTest, SendsExactlyTheRegion) {
  TempFile file((24 << 20) + 77);
  Connection c;
  std::string got;
  std::thread reader([&] {
    boost::system::error_code ec;
    asio::read(c.client, asio::dynamic_buffer(got), ec);  // until the server closes
  });
  const FileRegion region{file.fd, 12345, (20 << 20) + 3};
  Outcome out = Send(c, region, kPatient);
  reader.join();
  EXPECT_FALSE(out.ec) << out.ec.message();
  EXPECT_EQ(out.sent, region.length);
  ASSERT_EQ(got.size(), region.length);
  EXPECT_TRUE(got == file.bytes.substr(region.offset, region.length));
}

TEST(FileSenderTest, AnEmptyRegionEndsAtOnce) {
  TempFile file(10);
  Connection c;
  Outcome out = Send(c, FileRegion{file.fd, 10, 0}, kPatient);
  EXPECT_FALSE(out.ec);
  EXPECT_EQ(out.sent, 0u);
}

TEST(FileSenderTest, AFileShorterThanTheRegionEndsWithEof) {
  TempFile file(1000);
  Connection c;
  std::string got;
  std::thread reader([&] {
    boost::system::error_code ec;
    asio::read(c.client, asio::dynamic_buffer(got), ec);
  });
  Outcome out = Send(c, FileRegion{file.fd, 200, 5000}, kPatient);
  reader.join();
  EXPECT_EQ(out.ec, asio::error::eof);
  EXPECT_EQ(out.sent, 800u);
  EXPECT_EQ(got, file.bytes.substr(200));
}

TEST(FileSenderTest, AClientThatReadsNothingIsCutByTheStallTimeout) {
  TempFile file(64 << 20);
  Connection c;
  // The client never reads: once both socket buffers are full no byte moves.
  Outcome out = Send(c, FileRegion{file.fd, 0, file.bytes.size()},
                     SendFileLimits{std::chrono::seconds(1), 64 * 1024});
  EXPECT_EQ(out.ec, boost::beast::error::timeout) << out.ec.message();
  EXPECT_GT(out.sent, 0u);
  EXPECT_LT(out.sent, file.bytes.size());
}

TEST(FileSenderTest, AClientThatLeavesEndsTheSendWithAnError) {
  TempFile file(64 << 20);
  Connection c;
  std::thread leaver([&] {
    char buf[4096];
    boost::system::error_code ec;
    c.client.read_some(asio::buffer(buf), ec);
    c.client.close();
  });
  Outcome out = Send(c, FileRegion{file.fd, 0, file.bytes.size()}, kPatient);
  leaver.join();
  EXPECT_TRUE(out.ec);
  EXPECT_NE(out.ec, boost::beast::error::timeout);
  EXPECT_LT(out.sent, file.bytes.size());
}

}  // namespace
}  // namespace filesd::net
