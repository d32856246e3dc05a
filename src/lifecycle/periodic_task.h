// PeriodicTask: runs a blocking task on a thread pool every interval, timed on an I/O context, one
// run at a time, until Stop(). The background loops of a server instance (lifecycle/maintenance.h)
// are PeriodicTasks.
//
// The first run starts one interval after Start(). Stop() is thread-safe and returns at once: no
// new run starts after it; a run in progress finishes on the pool (whoever owns the pool joins it).
// The context, pool and task's captures must outlive the PeriodicTask and its last run.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>

namespace filesd {

class PeriodicTask {
 public:
  PeriodicTask(boost::asio::io_context& io, boost::asio::thread_pool& pool,
               std::chrono::milliseconds interval, std::function<void()> task)
      : pool_(pool), timer_(io), interval_(interval), task_(std::move(task)) {}

  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Start();
  void Stop();

 private:
  void Arm();

  boost::asio::thread_pool& pool_;
  boost::asio::steady_timer timer_;
  const std::chrono::milliseconds interval_;
  const std::function<void()> task_;
  bool stopped_ = false;  // touched on the I/O context only
};

}  // namespace filesd
