#include "lifecycle/maintenance.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "lifecycle/janitor_turn.h"

namespace filesd {

Maintenance::Maintenance(boost::asio::io_context& io, boost::asio::thread_pool& pool,
                         InstanceLease& instance, NamedLease& janitor_lease, Janitor& janitor,
                         IsolatedAnalyzer& analyzer, std::chrono::seconds janitor_interval,
                         std::function<void()> on_instance_lost)
    : pool_(pool),
      instance_(instance),
      janitor_lease_(janitor_lease),
      janitor_(janitor),
      analyzer_(analyzer),
      on_instance_lost_(std::move(on_instance_lost)),
      liveness_(io, renewal_thread_, std::chrono::seconds(instance.ttl_seconds()) / 3,
                [this] { RenewLease(); }),
      janitor_turns_(io, pool, janitor_interval, [this] { JanitorTurn(); }) {}

Maintenance::~Maintenance() { renewal_thread_.join(); }

void Maintenance::Start() {
  liveness_.Start();
  janitor_turns_.Start();
  // At start, the instances gone are, on one data directory, the previous process.
  boost::asio::post(pool_, [this] { ResumeAbandonedAnalyses("the previous process"); });
}

void Maintenance::StopWork() { janitor_turns_.Stop(); }

void Maintenance::StopLiveness() { liveness_.Stop(); }

void Maintenance::RenewLease() {
  Status s = instance_.Renew();
  if (s.ok()) return;
  if (s.code() == StatusCode::kConflict) {
    spdlog::error(
        "this instance's liveness lease lapsed (the process stalled longer than {} s); other "
        "instances may have taken over its work, so it stops",
        instance_.ttl_seconds());
    on_instance_lost_();
    return;
  }
  spdlog::warn("could not renew this instance's liveness lease: {}", s.ToString());
}

void Maintenance::JanitorTurn() {
  auto turn = RunJanitorTurn(janitor_lease_, janitor_);
  if (!turn.ok()) {
    spdlog::warn("janitor: {}", turn.status().ToString());
    return;
  }
  if (!turn->has_value()) return;  // another instance's turn
  const JanitorReport& report = **turn;
  if (report.files_purged + report.orphan_blobs_removed + report.temp_files_removed > 0) {
    spdlog::info("janitor: purged {} files, {} orphan blobs, {} temp files", report.files_purged,
                 report.orphan_blobs_removed, report.temp_files_removed);
  }
  ResumeAbandonedAnalyses("an instance that is gone");
  analyzer_.RemoveAbandonedSpools();
}

void Maintenance::ResumeAbandonedAnalyses(const char* whose) {
  auto resumed = analyzer_.ResumeInterrupted();
  if (!resumed.ok()) {
    spdlog::warn("resuming interrupted analyses: {}", resumed.status().ToString());
  } else if (*resumed > 0) {
    spdlog::info("resumed {} analyses interrupted by {}", *resumed, whose);
  }
}

}  // namespace filesd
