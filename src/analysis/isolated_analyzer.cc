#include "analysis/isolated_analyzer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "process/isolated_runner.h"

namespace filesd {
namespace {

constexpr std::string_view kSpoolPrefix = "spool-";
constexpr size_t kSpoolChunkBytes = 1 << 20;
constexpr std::string_view kReasonWorkerUnavailable = "worker_unavailable";

// Removes a spooled copy when it goes out of scope.
class SpoolFile {
 public:
  SpoolFile() = default;
  ~SpoolFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  // Copies the blob `key` into a new private file of `dir`, named after `instance_id`.
  Status Fill(BlobStore& blobs, const std::string& key, const std::string& dir,
              const std::string& instance_id) {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, blobs.NewReader(key));
    std::string templ = dir + "/" + std::string(kSpoolPrefix) + instance_id + "-XXXXXX";
    const int fd = ::mkostemp(templ.data(), O_CLOEXEC);
    if (fd < 0) {
      return Unavailable(std::string("cannot create a spool file: ") + std::strerror(errno));
    }
    path_ = templ;
    Status s = Copy(*reader, fd);
    if (::close(fd) != 0 && s.ok()) s = Unavailable("cannot close a spool file");
    return s;
  }
  const std::string& path() const { return path_; }

 private:
  static Status Copy(BlobReader& reader, int fd) {
    std::string buf(kSpoolChunkBytes, '\0');
    uint64_t offset = 0;
    while (offset < reader.size_bytes()) {
      FILESD_ASSIGN_OR_RETURN(size_t n,
                              reader.ReadAt(offset, std::span<char>(buf.data(), buf.size())));
      if (n == 0) return Internal("content ended before its recorded size");
      size_t done = 0;
      while (done < n) {
        const ssize_t w = ::write(fd, buf.data() + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          return Unavailable(std::string("cannot write a spool file: ") + std::strerror(errno));
        }
        done += static_cast<size_t>(w);
      }
      offset += n;
    }
    return Status::Ok();
  }

  std::string path_;
};

// The instance a spool file name belongs to (spool-<uuid>-<random>); nullopt for a name of the
// older layout (spool-<random>).
std::optional<std::string> SpoolOwner(std::string_view name) {
  constexpr size_t kUuidChars = 36;
  if (!name.starts_with(kSpoolPrefix)) return std::nullopt;
  const std::string_view rest = name.substr(kSpoolPrefix.size());
  if (rest.size() <= kUuidChars || rest[kUuidChars] != '-') return std::nullopt;
  if (!IsUuid(rest.substr(0, kUuidChars))) return std::nullopt;
  return std::string(rest.substr(0, kUuidChars));
}

}  // namespace

IsolatedAnalyzer::IsolatedAnalyzer(BlobStore& blobs, MetadataStore& meta, const Clock& clock,
                                   ProcessingObserver* observer, IsolatedAnalyzerOptions options)
    : blobs_(blobs), meta_(meta), clock_(clock), observer_(observer), options_(std::move(options)) {
  if (options_.stale_processing_seconds <= 0) {
    options_.stale_processing_seconds =
        static_cast<int64_t>(std::ceil(options_.limits.max_seconds)) * 2 + 60;
  }
  if (options_.instance_id.empty()) options_.instance_id = NewUuidV4();
  FILESD_CHECK(IsUuid(options_.instance_id));  // spool file names rely on it
  if (!options_.local_path) {
    FILESD_CHECK(!options_.spool_dir.empty());
    RemoveAbandonedSpools();
  }
}

size_t IsolatedAnalyzer::RemoveAbandonedSpools() {
  if (options_.local_path) return 0;
  const std::string& dir = options_.spool_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    spdlog::warn("analyzer: cannot create the spool directory: {}", ec.message());
    return 0;
  }
  std::vector<std::filesystem::path> abandoned;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kSpoolPrefix)) continue;
    const std::optional<std::string> owner = SpoolOwner(name);
    if (owner == options_.instance_id) continue;
    if (owner.has_value() && options_.liveness != nullptr) {
      Result<bool> alive = options_.liveness->IsAlive(*owner);
      if (!alive.ok() || *alive) continue;  // in doubt, keep it: a later pass decides
    }
    abandoned.push_back(entry.path());
  }
  size_t removed = 0;
  for (const auto& path : abandoned) {
    if (std::filesystem::remove(path, ec)) ++removed;
  }
  return removed;
}

Result<FileRecord> IsolatedAnalyzer::Reread(const FileRecord& file) {
  return meta_.GetFile(file.project_id, file.id, clock_.NowSeconds());
}

Result<FileRecord> IsolatedAnalyzer::Analyze(const FileRecord& file) {
  const int64_t now = clock_.NowSeconds();
  FilePrecondition claim;
  claim.blob_key = file.blob_key;
  switch (file.status) {
    case FileStatus::kProcessed:
    case FileStatus::kError:
      return file;
    case FileStatus::kPending:
    case FileStatus::kUploading:
      return Conflict("the content of the file is not complete", "content_incomplete");
    case FileStatus::kUploaded:
      claim.status = FileStatus::kUploaded;
      break;
    case FileStatus::kProcessing:
      if (now - file.updated_at < options_.stale_processing_seconds) return file;
      spdlog::warn("analyzer: file {} was left in processing since {}; analysing it again", file.id,
                   file.updated_at);
      claim.status = FileStatus::kProcessing;
      break;
  }
  return ClaimAndRun(file, claim);
}

Result<FileRecord> IsolatedAnalyzer::ClaimAndRun(const FileRecord& file,
                                                 const FilePrecondition& claim) {
  const int64_t now = clock_.NowSeconds();
  FileRecord claimed = file;
  claimed.status = FileStatus::kProcessing;
  claimed.status_details.reset();
  claimed.updated_at = now;
  if (Status s = meta_.ClaimAnalysis(file.project_id, file.id, claim, options_.instance_id, now);
      !s.ok()) {
    // Someone else claimed (or finished) it meanwhile, or its owner lives: report the row as it is.
    if (s.code() == StatusCode::kConflict) return Reread(file);
    return s;
  }
  return Run(std::move(claimed));
}

Result<size_t> IsolatedAnalyzer::ResumeInterrupted() {
  constexpr size_t kBatch = 100;
  size_t resumed = 0;
  for (;;) {
    FILESD_ASSIGN_OR_RETURN(std::vector<MetadataStore::AbandonedAnalysis> batch,
                            meta_.ListAbandonedAnalyses(clock_.NowSeconds(), kBatch));
    size_t progressed = 0;
    for (const MetadataStore::AbandonedAnalysis& a : batch) {
      Result<FileRecord> done = meta_.GetFile(a.project_id, a.file_id, clock_.NowSeconds());
      if (done.ok()) {
        FilePrecondition claim;
        claim.status = FileStatus::kProcessing;
        claim.blob_key = done->blob_key;
        claim.bytes = done->bytes;
        done = ClaimAndRun(*done, claim);
      }
      if (done.ok() && done->status != FileStatus::kProcessing) ++progressed;
      if (!done.ok() && done.status().code() != StatusCode::kNotFound) {
        spdlog::warn("analyzer: could not resume the analysis of {}: {}", a.file_id,
                     done.status().ToString());
      }
      if (done.ok() || done.status().code() == StatusCode::kNotFound) ++resumed;
    }
    // A batch that moved nothing (a store or worker outage) would come back unchanged: stop.
    if (batch.size() < kBatch || progressed == 0) return resumed;
  }
}

Result<FileRecord> IsolatedAnalyzer::Run(FileRecord claimed) {
  const auto started = std::chrono::steady_clock::now();
  Status content_error;
  Result<process::ProcessOutput> result = RunWorker(claimed, &content_error);
  if (observer_ != nullptr) {
    observer_->ObserveProcessing(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (!content_error.ok()) {
    Unclaim(claimed);
    return content_error;
  }
  if (!result.ok() && result.status().reason() == kReasonWorkerUnavailable) {
    spdlog::error("analyzer: {}; is --worker-path right?", result.status().ToString());
    Unclaim(claimed);
    return Unavailable("file processing is unavailable; retry later", "processing_unavailable");
  }

  const int64_t now = clock_.NowSeconds();
  FileRecord done = claimed;
  done.updated_at = now;
  bool text_written = false;
  if (result.ok()) {
    process::ProcessOutput& out = *result;
    if (out.type != "binary") {
      if (Status s = StoreText(claimed.id, out.text); !s.ok()) {
        Unclaim(claimed);
        return s;
      }
      text_written = true;
    }
    done.status = FileStatus::kProcessed;
    done.status_details.reset();
    if (!out.mime_type.empty()) done.mime_type = out.mime_type;
    done.metadata_json = std::move(out.metadata_json);
    done.processing_summary = std::move(out.summary);
    done.processed_at = now;
  } else {
    spdlog::info("analyzer: file {} could not be processed: {}", claimed.id,
                 result.status().ToString());
    done.status = FileStatus::kError;
    done.status_details = result.status().message();
    done.metadata_json.reset();
    done.processing_summary.reset();
    done.processed_at.reset();
  }
  FilePrecondition expect;
  expect.status = FileStatus::kProcessing;
  expect.blob_key = claimed.blob_key;
  Status s = meta_.UpdateFile(done, expect, now);
  if (s.ok()) return done;
  if (s.code() == StatusCode::kNotFound && text_written) {
    // The file went away while it was analysed: its text must not outlive it.
    (void)blobs_.Delete(blob_keys::TextKey(claimed.id));
  }
  if (s.code() == StatusCode::kConflict) return Reread(claimed);
  return s;
}

Result<process::ProcessOutput> IsolatedAnalyzer::RunWorker(const FileRecord& file,
                                                           Status* content_error) {
  process::WorkerDiagnostics diag;
  auto run = [&](const std::string& path) {
    auto r =
        process::RunIsolated(options_.worker_path, path, file.filename, options_.limits, &diag);
    if (!r.ok()) {
      spdlog::info("analyzer: worker for file {}: exit {} signal {} timed_out {} after {:.2f}s: {}",
                   file.id, diag.exit_code, diag.signal, diag.timed_out, diag.seconds,
                   diag.stderr_head.substr(0, 512));
    }
    return r;
  };
  if (options_.local_path) {
    auto path = options_.local_path(file.blob_key);
    if (!path.ok()) {
      *content_error = path.status();
      return *content_error;
    }
    return run(*path);
  }
  SpoolFile spool;
  if (Status s = spool.Fill(blobs_, file.blob_key, options_.spool_dir, options_.instance_id);
      !s.ok()) {
    *content_error = s;
    return s;
  }
  return run(spool.path());
}

Status IsolatedAnalyzer::StoreText(const std::string& file_id, const std::string& text) {
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer,
                          blobs_.NewWriter(blob_keys::TextKey(file_id)));
  if (Status s = writer->Append(text); !s.ok()) {
    writer->Abort();
    return s;
  }
  auto info = writer->Commit();
  if (!info.ok()) {
    writer->Abort();
    return info.status();
  }
  return Status::Ok();
}

void IsolatedAnalyzer::Unclaim(const FileRecord& claimed) {
  FileRecord back = claimed;
  back.status = FileStatus::kUploaded;
  back.updated_at = clock_.NowSeconds();
  FilePrecondition expect;
  expect.status = FileStatus::kProcessing;
  expect.blob_key = claimed.blob_key;
  if (Status s = meta_.UpdateFile(back, expect, back.updated_at); !s.ok()) {
    spdlog::warn("analyzer: could not put file {} back to uploaded: {}", claimed.id, s.ToString());
  }
}

}  // namespace filesd
