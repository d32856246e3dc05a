// ShutdownSignals: SIGINT and SIGTERM for a running server. The first starts the drain
// (`on_first`, given "SIGINT" or "SIGTERM"); a second one during the drain ends it at once
// (`on_second`), as Ctrl-C twice in a terminal means. Signals after the second are ignored, so a
// supervisor repeating the signal cannot kill the process mid-exit. Disarm() (once the server has
// stopped) ignores both signals for the rest of the process' life, for the same reason.
// The handlers run on `io`'s threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <functional>
#include <string>

namespace filesd {

class ShutdownSignals {
 public:
  using Handler = std::function<void(const std::string& signal_name)>;
  ShutdownSignals(boost::asio::io_context& io, Handler on_first, Handler on_second);
  void Disarm();

 private:
  void Wait();

  boost::asio::signal_set signals_;
  const Handler on_first_;
  const Handler on_second_;
  int seen_ = 0;  // touched by the handler only (one at a time: it re-arms when done)
};

}  // namespace filesd
