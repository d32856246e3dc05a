// Maintenance: the background work of one server instance, wired by the composition root.
//  * Liveness: renews the instance's lease (coord/instance_lease.h) every ttl / 3, on a thread of
//    its own, so a blocking pool busy with long analyses cannot starve it. A renewal that
//    finds the lease lapsed calls `on_instance_lost` (the server must stop: other instances may
//    already have taken over its claims); other renewal failures are logged and retried.
//  * Every janitor interval, a janitor turn (lifecycle/janitor_turn.h); in the same turn, the
//    analyses abandoned by gone instances are run again and their spool files removed
//    (analysis/isolated_analyzer.h), so when an instance dies another one finishes its work.
//  * At Start(), in the background, the analyses abandoned by gone instances (a previous process on
//    this data directory) are run again at once, without waiting for a turn.
// The rest runs on `pool`; everything is timed on `io`. Thread-compatible: Start and the Stop* calls from one
// thread (the composition root's).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>

#include "analysis/isolated_analyzer.h"
#include "coord/instance_lease.h"
#include "coord/named_lease.h"
#include "lifecycle/janitor.h"
#include "lifecycle/periodic_task.h"

namespace filesd {

class Maintenance {
 public:
  // Every reference must outlive the Maintenance and the pool's last run.
  Maintenance(boost::asio::io_context& io, boost::asio::thread_pool& pool, InstanceLease& instance,
              NamedLease& janitor_lease, Janitor& janitor, IsolatedAnalyzer& analyzer,
              std::chrono::seconds janitor_interval, std::function<void()> on_instance_lost);

  // Joins the renewal thread.
  ~Maintenance();

  void Start();
  // Stops the janitor turns (when the server starts draining). The lease keeps being renewed: the
  // requests still running own their claims until they end.
  void StopWork();
  // Stops renewing the lease (after the server stopped; then end the lease: InstanceLease::End).
  void StopLiveness();

 private:
  void RenewLease();
  void JanitorTurn();
  // `whose` ends the log line: "resumed N analyses interrupted by <whose>".
  void ResumeAbandonedAnalyses(const char* whose);

  boost::asio::thread_pool& pool_;
  boost::asio::thread_pool renewal_thread_{1};  // declared before the tasks that post to it
  InstanceLease& instance_;
  NamedLease& janitor_lease_;
  Janitor& janitor_;
  IsolatedAnalyzer& analyzer_;
  const std::function<void()> on_instance_lost_;
  PeriodicTask liveness_;
  PeriodicTask janitor_turns_;
};

}  // namespace filesd
