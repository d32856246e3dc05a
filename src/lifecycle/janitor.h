// Janitor: repairs every failure window and enforces retention, on a clock tests can drive.
//
// One RunOnce() pass:
//  1. purges files soft-deleted more than `deleted_retention_seconds` ago, and expired files:
//     the blob first (and the blobs of the file's upload parts and segments), then the rows (a
//     pass interrupted in between retries the row next time);
//  2. deletes blobs whose intent is older than `orphan_grace_seconds` and was never adopted by a
//     file row (a process died between writing content and committing its row);
//  3. removes `pending` files whose upload never came, `pending_grace_seconds` after creation;
//  4. removes Idempotency-Key records older than `idempotency_key_seconds` (they no longer apply:
//     the API treats them as absent already; this keeps the table small);
//  5. removes temporary files of uploads that died without cleaning up;
//  6. removes the rows of server instances whose liveness lease ended more than
//     `instance_retention_seconds` ago (coord/instance_lease.h; an unknown instance reads as gone,
//     as an ended one does, so this only keeps the table small).
// It never touches a visible file: visibility is decided by the metadata store at `now`, and an
// adopted blob has no intent. Safe to run concurrently with uploads and with another janitor.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/clock.h"
#include "base/status.h"
#include "blob/blob_store.h"
#include "meta/metadata_store.h"

namespace filesd {

struct JanitorOptions {
  int64_t deleted_retention_seconds = 7 * 24 * 3600;
  int64_t orphan_grace_seconds = 3600;
  // Age after which a `pending` file (upload URL issued, no content ever arrived) is removed. Long
  // enough that an upload that started before its URL expired can never be cut off.
  int64_t pending_grace_seconds = 24 * 3600;
  int64_t idempotency_key_seconds = 24 * 3600;
  int64_t instance_retention_seconds = 24 * 3600;
  size_t batch_size = 500;
};

struct JanitorReport {
  size_t files_purged = 0;
  size_t orphan_blobs_removed = 0;
  size_t temp_files_removed = 0;
  size_t stale_pending_removed = 0;
  size_t idempotency_keys_purged = 0;
  size_t instances_purged = 0;
};

class Janitor {
 public:
  Janitor(BlobStore& blobs, MetadataStore& meta, const Clock& clock, JanitorOptions options)
      : blobs_(blobs), meta_(meta), clock_(clock), options_(options) {}

  // One pass over everything (in batches until nothing is left). Stops at the first store error
  // and returns it; work done before the error stays done.
  Result<JanitorReport> RunOnce();

 private:
  BlobStore& blobs_;
  MetadataStore& meta_;
  const Clock& clock_;
  JanitorOptions options_;
};

}  // namespace filesd
