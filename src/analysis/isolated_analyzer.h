// IsolatedAnalyzer: the FileAnalyzer that analyses content in the filesd-worker process
// (process/isolated_runner.h), so a crash, hang or memory blow-up on a hostile file marks that file
// `error` and leaves the server serving (API.md section 6).
//
// One analysis of a file, with every state change conditional (metadata_store.h):
//  1. Claim: uploaded -> processing, precondition (status uploaded, same blob key), recording this
//     instance as the analysis' owner (MetadataStore::ClaimAnalysis). Of two concurrent calls for
//     one file only one claims it; the other returns the row as it then is, so a file is never
//     analysed twice at once. A row left in `processing` is claimed again only when its owner
//     instance is gone (its lease lapsed: coord/instance_lease.h), by Analyze() once the row is
//     older than stale_processing_seconds, or by ResumeInterrupted().
//  2. Run the worker on a local path of the content: the store's own file when it has one
//     (local_path), else a copy spooled to a private temporary file of spool_dir, named after this
//     instance, removed afterwards.
//  3. Store the extracted text (API.md section 7) once, as its own blob under
//     blob_keys::TextKey(file id), except for binary files, which have no text.
//  4. Record: processing -> processed (metadata_json, processing_summary, the content's mime_type,
//     processed_at) or processing -> error (status_details: the worker's message, fit for clients).
// A worker that cannot be started at all (missing executable) is the operator's problem, not the
// file's: the claim is undone (back to uploaded) and kUnavailable returned; a later call retries.
//
// Thread-safe; blocking (the worker runs for up to limits.max_seconds): call on the blocking pool.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "analysis/file_analyzer.h"
#include "analysis/processing_observer.h"
#include "base/clock.h"
#include "blob/blob_store.h"
#include "coord/instance_liveness.h"
#include "meta/metadata_store.h"
#include "process/processor.h"

namespace filesd {

struct IsolatedAnalyzerOptions {
  // The filesd-worker executable.
  std::string worker_path;
  process::ProcessLimits limits;
  // The local file holding a blob's committed content, for stores that keep blobs as files
  // (LocalBlobStore::LocalPath). Unset: the content is copied into spool_dir first.
  std::function<Result<std::string>(const std::string& blob_key)> local_path;
  // Directory for spooled copies (created if missing). Required when local_path is unset. Several
  // instances may share it: each names its files after itself (spool-<instance id>-<random>), and
  // RemoveAbandonedSpools() removes only those of gone instances.
  std::string spool_dir;
  // This instance: the owner recorded on the analyses it claims and the name of its spool files.
  // Empty: a fresh random id (an analyzer alone, as in tests).
  std::string instance_id;
  // Says which other instances are alive, for the spool cleaning. Null: this analyzer is the only
  // one using spool_dir, so any spool file not its own is abandoned.
  InstanceLiveness* liveness = nullptr;
  // Analyze() of a row in `processing` for longer than this claims it again if its owner is gone.
  // 0: derive from limits (twice max_seconds plus a minute).
  int64_t stale_processing_seconds = 0;
};

class IsolatedAnalyzer final : public FileAnalyzer {
 public:
  // `observer` may be null. The stores, clock, observer and liveness must outlive the analyzer.
  // Removes abandoned spool files (RemoveAbandonedSpools) when local_path is unset.
  IsolatedAnalyzer(BlobStore& blobs, MetadataStore& meta, const Clock& clock,
                   ProcessingObserver* observer, IsolatedAnalyzerOptions options);

  // See FileAnalyzer and the top of this file. `file` must carry its project and blob key (a row as
  // read from the store). Already processed or failed files are returned unchanged (never analysed
  // twice); a file another call is analysing is returned in status processing.
  // Errors: kNotFound when the file disappeared (deleted, expired), kConflict when its content is
  // not complete (pending, uploading), kUnavailable / kInternal for store failures and when the
  // worker cannot be started.
  Result<FileRecord> Analyze(const FileRecord& file) override;

  // Analyses again every visible file left in `processing` by an owner instance that is gone (it
  // died during the analysis: MetadataStore::ListAbandonedAnalyses), whatever its age; analyses of
  // live instances are left to them. Of instances resuming together each file goes to one. Files
  // that disappeared meanwhile are skipped. Returns how many were handled. Blocking; run at start
  // and periodically (lifecycle/maintenance.h).
  Result<size_t> ResumeInterrupted();

  // Removes the spool files of instances that are gone (and files of the older layout, without an
  // instance in their name, left by versions that ran one server per data directory). Does
  // nothing when local_path is set. Returns how many were removed; failures are logged.
  size_t RemoveAbandonedSpools();

  const std::string& instance_id() const { return options_.instance_id; }

 private:
  // Claims `file` for analysis (status -> processing, if `claim` holds) and runs it; a file claimed
  // by someone else meanwhile is returned as it now is.
  Result<FileRecord> ClaimAndRun(const FileRecord& file, const FilePrecondition& claim);
  // The analysis itself, on the claimed row; records the outcome and returns the new row.
  Result<FileRecord> Run(FileRecord claimed);
  // Runs the worker on the content of `file`, finding or making a local path for it, and returns
  // its answer. A failure to provide the content (a store problem, not the file's) goes to
  // `*content_error` instead, and the returned Result is then meaningless.
  Result<process::ProcessOutput> RunWorker(const FileRecord& file, Status* content_error);
  Status StoreText(const std::string& file_id, const std::string& text);
  // Puts a claimed row back to `uploaded` (best effort) after a failure that is not the file's.
  void Unclaim(const FileRecord& claimed);
  Result<FileRecord> Reread(const FileRecord& file);

  BlobStore& blobs_;
  MetadataStore& meta_;
  const Clock& clock_;
  ProcessingObserver* observer_;
  IsolatedAnalyzerOptions options_;
};

}  // namespace filesd
