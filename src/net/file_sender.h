// Sending a FileRegion (api/http.h) over a connection without copying its bytes through the
// process: sendfile(2) from the file to the socket in non-blocking steps, on the connection's
// strand, waiting for the socket to be writable between them. Used by Session for response bodies
// that are plain local files (the whole content, or one Range of it).
//
// Threading: call on the socket's executor (the connection's strand); every step and `done` run
// there. No thread blocks on the client; a step may block briefly on the disk when the file is not
// in the page cache (readers hint sequential access, so the kernel reads ahead of the socket).
// Internal to src/net.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "api/http.h"

namespace filesd::net {

struct SendFileLimits {
  // The client must take `progress_bytes` more bytes within each `stall_timeout` (the same minimum
  // pace as a written piece of a streamed body), else the send ends with beast::error::timeout.
  std::chrono::steady_clock::duration stall_timeout;
  uint64_t progress_bytes = 0;
};

// Sends all of `region` over `socket` (switched to non-blocking mode). Calls `done(ec, sent)`
// exactly once, on the socket's executor, with the bytes sent: `ec` empty when all
// `region.length` bytes went out; beast::error::timeout when the client stalled (see
// SendFileLimits); boost::asio::error::eof when the file ended before the region did (the store
// was tampered with); otherwise the socket's or the file's error (e.g. the client is gone, or the
// socket was closed by the caller, which ends a pending send promptly). The socket and the file
// descriptor must stay open and alive until `done` runs; the caller closes neither in between
// except to cut the send short (closing the socket).
void AsyncSendFile(boost::asio::ip::tcp::socket& socket, FileRegion region, SendFileLimits limits,
                   std::function<void(boost::beast::error_code, uint64_t)> done);

}  // namespace filesd::net
