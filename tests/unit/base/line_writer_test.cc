#include "base/line_writer.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace filesd {
namespace {

struct Pipe {
  int r = -1;
  int w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  size_t Queued() const {
    int n = 0;
    ::ioctl(r, FIONREAD, &n);
    return static_cast<size_t>(n);
  }
  // Everything readable now, without blocking.
  std::string ReadAvailable() const {
    std::string out;
    char buf[65536];
    while (Queued() > 0) {
      const ssize_t n = ::read(r, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
};

// "<thread> <seq> <padding of a length that depends on seq>\n": a line is whole when its padding
// has the length its header announces.
std::string MakeLine(int thread, int seq) {
  const size_t pad = (static_cast<size_t>(seq) * 7919) % 9000;  // some lines exceed PIPE_BUF
  std::ostringstream s;
  s << thread << ' ' << seq << ' ' << pad << ' ' << std::string(pad, 'a' + thread % 26) << '\n';
  return s.str();
}

// Blocks until `want.size()` bytes came through the pipe.
std::string ReadExactly(int fd, size_t size) {
  std::string out;
  char buf[4096];
  while (out.size() < size) {
    const ssize_t n = ::read(fd, buf, std::min(sizeof buf, size - out.size()));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(LineWriterTest, EachLineIsWrittenWithoutAFlushOrTheWriterEnding) {
  Pipe p;
  LineWriter w(p.w);
  w.Append("first\n");
  EXPECT_EQ(ReadExactly(p.r, 6), "first\n");  // would block for ever if lines waited for Flush()
  w.Append("second\n");
  EXPECT_EQ(ReadExactly(p.r, 7), "second\n");
  w.Flush();
  EXPECT_EQ(p.ReadAvailable(), "");
}

TEST(LineWriterTest, ManyThreadsEveryLineWholePresentOnceAndInOrderPerThread) {
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 3000;
  Pipe p;
  // A reader in small reads, so that writes block, are partial and get grouped.
  std::string received;
  std::thread reader([&] {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(p.r, buf, sizeof buf);
      if (n <= 0) return;
      received.append(buf, static_cast<size_t>(n));
    }
  });
  {
    LineWriter w(p.w, size_t{1} << 30);  // no line may be dropped here
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&w, t] {
        for (int i = 0; i < kLinesPerThread; ++i) w.Append(MakeLine(t, i));
      });
    }
    for (auto& t : threads) t.join();
    w.Flush();
    EXPECT_EQ(w.dropped_lines(), 0u);
  }
  ::close(p.w);
  p.w = -1;
  reader.join();

  std::map<int, int> next_seq;
  std::istringstream in(received);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int thread = -1, seq = -1;
    size_t pad = 0;
    std::string padding;
    fields >> thread >> seq >> pad;
    std::getline(fields, padding);
    ASSERT_EQ(line + "\n", MakeLine(thread, seq)) << "a line was cut or mixed with another";
    ASSERT_EQ(seq, next_seq[thread]) << "thread " << thread << "'s lines out of order or missing";
    next_seq[thread] = seq + 1;
    ++lines;
  }
  EXPECT_EQ(lines, kThreads * kLinesPerThread);
  EXPECT_TRUE(received.empty() || received.back() == '\n');
}

TEST(LineWriterTest, WhileTheReaderStallsOthersAppendUpToTheCapThenDropWholeLines) {
  Pipe p;
  constexpr size_t kCap = 4096;
  LineWriter w(p.w, kCap);
  // A line larger than the pipe: its writer blocks until the test reads.
  const std::string big = std::string(256 * 1024, 'x') + "\n";
  std::thread blocked([&] { w.Append(big); });
  while (p.Queued() < 4096) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The pipe holds bytes of `big`, so the writer thread is in write(2): these only append, or drop.
  const std::string small = std::string(99, 's') + "\n";
  for (int i = 0; i < 100; ++i) w.Append(small);  // returns at once though the pipe is full
  EXPECT_EQ(w.dropped_lines(), 100u - kCap / small.size());

  std::string received;
  std::thread reader([&] {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(p.r, buf, sizeof buf);
      if (n <= 0) return;
      received.append(buf, static_cast<size_t>(n));
    }
  });
  blocked.join();
  w.Flush();
  ::close(p.w);
  p.w = -1;
  reader.join();
  std::string expected = big;
  for (size_t i = 0; i < kCap / small.size(); ++i) expected += small;
  EXPECT_EQ(received, expected);
}

TEST(LineWriterTest, AFailingDescriptorDropsLinesWithoutBlocking) {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // write(2) fails with EBADF
  ASSERT_GE(fd, 0);
  LineWriter w(fd);
  w.Append("a\n");
  w.Append("b\n");
  w.Flush();
  EXPECT_EQ(w.dropped_lines(), 2u);
  ::close(fd);
}

}  // namespace
}  // namespace filesd
