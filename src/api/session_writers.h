// SessionWriters: one writer at a time per upload session (API.md section 5), within this process
// (`filesd serve` holds its data directory alone).
//
// A session's content is one appendable blob. A streamed append writes into it while its body
// arrives, so nothing else may write the blob (another append, complete cutting a torn tail,
// cancel) until that append has recorded its size or given up. Writers take the session's slot:
// a streaming append only if it is free and nobody waits for it (TryAcquire: otherwise it buffers
// its chunk and waits at its end like the others), everything else waits, with a limit.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <unordered_map>

namespace filesd {

class SessionWriters {
 public:
  // Holds a session's slot until destroyed. Movable.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(other.owner_), id_(std::move(other.id_)) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        if (owner_ != nullptr) owner_->Release(id_);
        owner_ = other.owner_;
        id_ = std::move(other.id_);
        other.owner_ = nullptr;
      }
      return *this;
    }
    ~Slot() {
      if (owner_ != nullptr) owner_->Release(id_);
    }
    bool held() const { return owner_ != nullptr; }

   private:
    friend class SessionWriters;
    Slot(SessionWriters* owner, std::string id) : owner_(owner), id_(std::move(id)) {}
    SessionWriters* owner_ = nullptr;
    std::string id_;
  };

  // The slot of `session_id` if it is free and no one waits for it; an empty Slot otherwise.
  Slot TryAcquire(const std::string& session_id);
  // The slot of `session_id`, waiting up to `timeout` for it; an empty Slot if it stayed taken.
  Slot Acquire(const std::string& session_id, std::chrono::milliseconds timeout);

  // The process-wide instance used by the session handlers.
  static SessionWriters& Instance();

 private:
  struct State {
    bool held = false;
    int waiters = 0;
  };
  void Release(const std::string& session_id);

  std::mutex mu_;
  std::condition_variable freed_;
  std::unordered_map<std::string, State> sessions_;  // only sessions held or waited for
};

}  // namespace filesd
