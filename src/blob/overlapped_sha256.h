// OverlappedSha256: SHA-256 of a stream whose buffers are hashed on a helper thread while the
// caller does something else with the same buffers (a blob writer copies them to a file), so
// hashing and writing run on two cores instead of one after the other. Buffers are never copied.
//
// Small buffers are hashed inline: the handoff would cost more than it saves. The helper thread is
// started on the first large buffer, so writers of small blobs never create one. If the thread
// cannot be started, everything is hashed inline.
//
// Not thread-safe: one owner calls every method. The helper only ever touches the Sha256 between
// Start() and the Wait() that follows.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/crypto.h"

namespace filesd {

class OverlappedSha256 {
 public:
  // Buffers at least this large are hashed on the helper thread.
  static constexpr size_t kMinOverlapBytes = 128u << 10;

  OverlappedSha256() = default;
  ~OverlappedSha256();  // Waits for pending work and stops the helper.

  OverlappedSha256(const OverlappedSha256&) = delete;
  OverlappedSha256& operator=(const OverlappedSha256&) = delete;

  // Adds `data` to the hash, in the background when it is large. REQUIRES: no Start() pending (call
  // Wait() in between); `data` stays valid and unchanged until the next Wait() returns.
  void Start(std::string_view data);
  // Returns once everything passed to Start() is hashed. Cheap when nothing is pending.
  void Wait();
  // Continues from a Sha256::ExportState() text instead of the empty state. kInternal if it is
  // malformed. REQUIRES: nothing added yet.
  Status Resume(std::string_view state);
  // The state after everything added (Sha256::ExportState). REQUIRES: before FinishHex().
  std::string ExportState();
  // The lowercase hex digest of everything added. REQUIRES: called once, nothing added afterwards.
  std::string FinishHex();

  // True once the helper thread runs (for tests).
  bool overlapping() const { return thread_.joinable(); }

 private:
  void Loop();

  std::unique_ptr<Sha256> sha256_ = std::make_unique<Sha256>();
  std::thread thread_;
  bool thread_failed_ = false;  // Starting the helper failed once; hash inline from then on.

  std::mutex mu_;
  std::condition_variable cv_;
  std::string_view work_;  // Guarded by mu_.
  bool has_work_ = false;  // Guarded by mu_.
  bool stop_ = false;      // Guarded by mu_.
};

}  // namespace filesd
