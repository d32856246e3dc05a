#include "lifecycle/janitor.h"

#include "blob/blob_keys.h"

namespace filesd {

Result<JanitorReport> Janitor::RunOnce() {
  JanitorReport report;
  const int64_t now = clock_.NowSeconds();

  for (;;) {
    FILESD_ASSIGN_OR_RETURN(
        std::vector<FileRecord> batch,
        meta_.ListPurgeableFiles(now - options_.deleted_retention_seconds, now,
                                 options_.batch_size));
    for (const FileRecord& f : batch) {
      if (!f.blob_key.empty()) FILESD_RETURN_IF_ERROR(blobs_.Delete(f.blob_key));
      // The text extracted by processing (API.md section 7), if any.
      FILESD_RETURN_IF_ERROR(blobs_.Delete(blob_keys::TextKey(f.id)));
      // Parts staged by an upload session: their blobs, then (PurgeFile cascades) their rows.
      FILESD_ASSIGN_OR_RETURN(std::vector<UploadPartRecord> parts, meta_.ListUploadParts(f.id));
      for (const UploadPartRecord& p : parts) FILESD_RETURN_IF_ERROR(blobs_.Delete(p.blob_key));
      FILESD_RETURN_IF_ERROR(meta_.DeleteUploadParts(f.id));
      // Segments of an upload session's appends: the same, blobs first.
      FILESD_ASSIGN_OR_RETURN(std::vector<UploadSegmentRecord> segments,
                              meta_.ListUploadSegments(f.id));
      for (const UploadSegmentRecord& s : segments) {
        FILESD_RETURN_IF_ERROR(blobs_.Delete(s.blob_key));
      }
      FILESD_RETURN_IF_ERROR(meta_.DeleteUploadSegments(f.id));
      FILESD_RETURN_IF_ERROR(meta_.PurgeFile(f.id));
      ++report.files_purged;
    }
    if (batch.size() < options_.batch_size) break;
  }

  for (;;) {
    FILESD_ASSIGN_OR_RETURN(
        std::vector<std::string> orphans,
        meta_.ListBlobIntents(now - options_.orphan_grace_seconds, options_.batch_size));
    for (const std::string& key : orphans) {
      FILESD_RETURN_IF_ERROR(blobs_.Delete(key));
      FILESD_RETURN_IF_ERROR(meta_.RemoveBlobIntent(key));
      ++report.orphan_blobs_removed;
    }
    if (orphans.size() < options_.batch_size) break;
  }

  for (;;) {
    FILESD_ASSIGN_OR_RETURN(
        std::vector<FileRecord> stale,
        meta_.ListStalePendingFiles(now - options_.pending_grace_seconds, options_.batch_size));
    for (const FileRecord& f : stale) {
      FILESD_RETURN_IF_ERROR(meta_.PurgeFile(f.id));  // a pending file has no content yet
      ++report.stale_pending_removed;
    }
    if (stale.size() < options_.batch_size) break;
  }

  for (;;) {
    FILESD_ASSIGN_OR_RETURN(size_t purged,
                            meta_.PurgeIdempotencyKeys(now - options_.idempotency_key_seconds,
                                                       options_.batch_size));
    report.idempotency_keys_purged += purged;
    if (purged < options_.batch_size) break;
  }

  FILESD_ASSIGN_OR_RETURN(report.temp_files_removed, blobs_.RemoveAbandonedWrites());

  for (;;) {
    FILESD_ASSIGN_OR_RETURN(size_t purged,
                            meta_.PurgeInstances(now - options_.instance_retention_seconds,
                                                 options_.batch_size));
    report.instances_purged += purged;
    if (purged < options_.batch_size) break;
  }
  return report;
}

}  // namespace filesd
