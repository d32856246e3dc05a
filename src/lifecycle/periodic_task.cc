#include "lifecycle/periodic_task.h"

#include <boost/asio/post.hpp>

namespace filesd {

void PeriodicTask::Start() {
  boost::asio::post(timer_.get_executor(), [this] { Arm(); });
}

void PeriodicTask::Stop() {
  boost::asio::post(timer_.get_executor(), [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

void PeriodicTask::Arm() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    boost::asio::post(pool_, [this] {
      task_();
      boost::asio::post(timer_.get_executor(), [this] { Arm(); });
    });
  });
}

}  // namespace filesd
