#include "lifecycle/shutdown_signals.h"

#include <csignal>

namespace filesd {

ShutdownSignals::ShutdownSignals(boost::asio::io_context& io, Handler on_first, Handler on_second)
    : signals_(io, SIGINT, SIGTERM),
      on_first_(std::move(on_first)),
      on_second_(std::move(on_second)) {
  Wait();
}

void ShutdownSignals::Wait() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    if (++seen_ == 1) {
      on_first_(name);
    } else if (seen_ == 2) {
      on_second_(name);
    }
    Wait();
  });
}

void ShutdownSignals::Disarm() {
  // Clearing the set restores the default dispositions; ignore the signals again at once.
  boost::system::error_code ignored;
  signals_.clear(ignored);
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
}

}  // namespace filesd
