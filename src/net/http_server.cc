#include "net/http_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

#include "net/http_session.h"

namespace filesd {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using net::Session;

HttpServer::HttpServer(Api& api, Metrics& metrics, AccessLog& log, ServerOptions options)
    : options_(std::move(options)),
      ioc_(static_cast<int>(options_.io_threads)),
      dispatch_pool_(options_.dispatch_threads),
      pool_(options_.pool_threads),
      acceptor_(asio::make_strand(ioc_)) {
  shared_ = std::make_shared<Shared>(api, metrics, log, options_, dispatch_pool_, pool_);
  shared_->drained = [this] {
    asio::post(acceptor_.get_executor(), [this] { EndDrain("every request in flight ended"); });
  };
}

HttpServer::~HttpServer() {
  dispatch_pool_.join();
  pool_.join();
}

Status HttpServer::Listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return InvalidArgument("listen address is not an IP address: " + options_.host);
  tcp::endpoint ep(address, options_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                       ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint().port();
  Accept();
  return Status::Ok();
}

void HttpServer::Accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      std::shared_ptr<Session> session;
      {
        std::lock_guard lock(shared_->mu);
        // Accepting goes on while draining, so that new requests get a 503 rather than a refusal.
        if (shared_->sessions.size() < options_.max_connections) {
          session = std::make_shared<Session>(std::move(s), shared_);
          shared_->sessions[session.get()] = session;
        }
      }
      if (session) session->Start();  // otherwise `s` closes here: over the connection limit
    }
    Accept();
  });
}

void HttpServer::Run() {
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : threads) t.join();
}

bool HttpServer::BeginStopping() {
  std::lock_guard lock(shared_->mu);
  if (shared_->stopping) return false;
  shared_->stopping = true;
  drain_start_ = std::chrono::steady_clock::now();
  return true;
}

void HttpServer::Shutdown(std::string cause) {
  asio::post(acceptor_.get_executor(), [this, cause = std::move(cause)] {
    if (!BeginStopping()) return;
    size_t in_flight;
    {
      std::lock_guard lock(shared_->mu);
      in_flight = shared_->admitted;
    }
    const auto grace = options_.shutdown_grace.count();
    if (grace <= 0) {
      spdlog::info("{}: stopping at once (shutdown grace 0 s), {} request{} in flight", cause,
                   in_flight, in_flight == 1 ? "" : "s");
      return EndDrain("no shutdown grace");
    }
    spdlog::info("{}: draining {} request{} for up to {} s; new requests get 503", cause, in_flight,
                 in_flight == 1 ? "" : "s", grace);
    if (in_flight == 0) return EndDrain("no request was in flight");
    grace_timer_ = std::make_unique<asio::steady_timer>(acceptor_.get_executor(),
                                                        options_.shutdown_grace);
    grace_timer_->async_wait([this, grace](beast::error_code ec) {
      if (!ec) EndDrain("the shutdown grace of " + std::to_string(grace) + " s is over");
    });
    for (auto& s : shared_->LiveSessions()) s->CloseIfIdle();
  });
}

void HttpServer::StopNow(std::string cause) {
  asio::post(acceptor_.get_executor(), [this, cause = std::move(cause)] {
    BeginStopping();
    EndDrain(cause);
  });
}

void HttpServer::EndDrain(std::string reason) {
  if (drain_over_) return;
  drain_over_ = true;
  if (grace_timer_) grace_timer_->cancel();
  beast::error_code ignored;
  acceptor_.close(ignored);
  std::vector<std::shared_ptr<Session>> live = shared_->LiveSessions();
  struct Cutting {
    std::atomic<size_t> remaining;
    std::atomic<size_t> cut{0};
  };
  auto cutting = std::make_shared<Cutting>();
  cutting->remaining = live.size();
  // Once every connection is closed (and every request cut has its log line), Run() returns.
  auto finish = [this, reason, cutting] {
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start_).count();
    const size_t cut = cutting->cut;
    if (cut == 0) {
      spdlog::info("shutdown: drain over after {:.3f} s ({}); every request was answered", took,
                   reason);
    } else {
      spdlog::warn("shutdown: drain over after {:.3f} s ({}); {} request{} cut", took, reason,
                   cut, cut == 1 ? "" : "s");
    }
    ioc_.stop();
  };
  if (live.empty()) return finish();
  for (auto& s : live) {
    s->CutByShutdown(reason, [cutting, finish](bool cut) {
      if (cut) ++cutting->cut;
      if (--cutting->remaining == 0) finish();
    });
  }
}

}  // namespace filesd
