#include "api/session_writers.h"

namespace filesd {

SessionWriters::Slot SessionWriters::TryAcquire(const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = sessions_[session_id];
  if (s.held || s.waiters > 0) return Slot();
  s.held = true;
  return Slot(this, session_id);
}

SessionWriters::Slot SessionWriters::Acquire(const std::string& session_id,
                                             std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  ++sessions_[session_id].waiters;
  const bool got = freed_.wait_for(lock, timeout, [&] { return !sessions_[session_id].held; });
  State& s = sessions_[session_id];
  --s.waiters;
  if (!got) {
    if (!s.held && s.waiters == 0) sessions_.erase(session_id);
    return Slot();
  }
  s.held = true;
  return Slot(this, session_id);
}

void SessionWriters::Release(const std::string& session_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(session_id);
    if (it == sessions_.end()) return;
    it->second.held = false;
    if (it->second.waiters == 0) sessions_.erase(it);
  }
  freed_.notify_all();
}

SessionWriters& SessionWriters::Instance() {
  static SessionWriters instance;
  return instance;
}

}  // namespace filesd
