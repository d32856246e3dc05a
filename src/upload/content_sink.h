// ContentSink: the streaming shape of every flow that receives the bytes of one upload (POST /v1/files,
// the signed PUT, a session's append or part). The HTTP layer parses the body and feeds the decoded
// content bytes in order; the flow decides when they are too many, stores them and, at Finish(), makes
// them durable and visible in one metadata transaction.
//
// Contract:
// - Append() may refuse (size limit, quota, store error); after any error the sink is unusable: the
//   caller's only remaining calls are Abandon() or destruction.
// - Finish() is called at most once, after the last Append(); on success the upload is durable and
//   visible and T describes it. On failure nothing of the upload is visible.
// - Destroying an unfinished sink, or Abandon(), leaves nothing behind (blob and intent removed; if
//   the process dies first, the janitor removes them). Abandon() is idempotent and a no-op after a
//   successful Finish().
// Threading: one sink is used by one thread at a time (calls may move between threads, never overlap).
// A flow that needs inputs known only after the data (e.g. an append's offset) gives its sink its own
// Finish(args) instead of this one and keeps the rest of the shape.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace filesd {

template <typename T>
class ContentSink {
 public:
  virtual ~ContentSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
  // Content bytes accepted so far.
  virtual uint64_t size_bytes() const = 0;
  virtual Result<T> Finish() = 0;   // once
  virtual void Abandon() = 0;       // idempotent
};

}  // namespace filesd
