// What the session tests run against: a real SQLite metadata file and the local blob store in a
// scratch directory, on a fake clock, with a blob store wrapper that counts the bytes read through
// it (so a test can assert that a flow did not read content back), and helpers that drive the
// session operations the way the handlers do.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/file_analyzer.h"
#include "base/clock.h"
#include "blob/local_blob_store.h"
#include "conformance/metadata_store_test_util.h"
#include "meta/sqlite_metadata_store.h"
#include "upload/sessions.h"

namespace filesd::session_test {

// Forwards to a base store; counts the bytes read through readers it opened. Keeps the base's
// composable() ability, so composing is the store's, not a copy through this wrapper.
class ReadCountingBlobStore final : public BlobStore {
 public:
  explicit ReadCountingBlobStore(BlobStore* base) : base_(base) {}

  uint64_t bytes_read() const { return bytes_read_.load(); }
  void ResetCount() { bytes_read_ = 0; }

  Result<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) override {
    return base_->NewWriter(key);
  }
  Result<std::unique_ptr<BlobReader>> NewReader(const std::string& key) override {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, base_->NewReader(key));
    return std::unique_ptr<BlobReader>(new CountingReader(std::move(reader), &bytes_read_));
  }
  Result<BlobInfo> Stat(const std::string& key) override { return base_->Stat(key); }
  Status Delete(const std::string& key) override { return base_->Delete(key); }
  Result<size_t> RemoveAbandonedWrites() override { return base_->RemoveAbandonedWrites(); }
  Status CheckReady() override { return base_->CheckReady(); }
  ComposableBlobs* composable() override { return base_->composable(); }

 private:
  class CountingReader final : public BlobReader {
   public:
    CountingReader(std::unique_ptr<BlobReader> base, std::atomic<uint64_t>* count)
        : base_(std::move(base)), count_(count) {}
    uint64_t size_bytes() const override { return base_->size_bytes(); }
    Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
      FILESD_ASSIGN_OR_RETURN(size_t n, base_->ReadAt(offset, out));
      *count_ += n;
      return n;
    }

   private:
    std::unique_ptr<BlobReader> base_;
    std::atomic<uint64_t>* count_;
  };

  BlobStore* const base_;
  std::atomic<uint64_t> bytes_read_{0};
};

class SessionWorld {
 public:
  SessionWorld() {
    auto blobs = LocalBlobStore::Open(dir_.path() + "/blobs");
    auto meta = SqliteMetadataStore::Open(dir_.path() + "/filesd.db");
    if (!blobs.ok() || !meta.ok()) {
      ADD_FAILURE() << "cannot open the stores";
      return;
    }
    local_ = std::move(blobs).value();
    meta_ = std::move(meta).value();
    counting_ = std::make_unique<ReadCountingBlobStore>(local_.get());
    auto project = meta_->EnsureProject("p", clock_.NowSeconds());
    if (!project.ok()) {
      ADD_FAILURE() << project.status().ToString();
      return;
    }
    project_id_ = project->id;
    deps_ = UploadDeps{counting_.get(), meta_.get(),  &clock_,
                       &no_analysis_,   nullptr,      UploadLimits{}};
    sessions_ = std::make_unique<Sessions>(deps_);
  }

  Sessions& sessions() { return *sessions_; }
  ReadCountingBlobStore& blobs() { return *counting_; }
  LocalBlobStore& local() { return *local_; }
  MetadataStore& meta() { return *meta_; }
  FakeClock& clock() { return clock_; }
  const std::string& project_id() const { return project_id_; }
  const std::string& root() const { return dir_.path(); }

  FileRecord Create() {
    NewSession req;
    req.project_id = project_id_;
    req.filename = "s.bin";
    req.now = clock_.NowSeconds();
    auto f = sessions_->Create(req);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? *f : FileRecord{};
  }

  // One append as the handler makes it: begin, the bytes in pieces of `piece` bytes, finish.
  Result<FileRecord> Append(const std::string& id, std::string_view data,
                            std::optional<uint64_t> offset = std::nullopt, size_t piece = 7000) {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<AppendSink> sink,
                            sessions_->BeginAppend(project_id_, id));
    for (size_t at = 0; at < data.size(); at += piece) {
      Status s = sink->Append(data.substr(at, piece));
      if (!s.ok()) {
        sink->Abandon();
        return s;
      }
    }
    return sink->Finish(offset);
  }

  Result<UploadPartRecord> AddPart(const std::string& id, std::string_view data) {
    FILESD_ASSIGN_OR_RETURN(PartTicket ticket, sessions_->AdmitPart(project_id_, id, 0));
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<PartSink> sink, sessions_->BeginPart(ticket));
    if (Status s = sink->Append(data); !s.ok()) {
      sink->Abandon();
      return s;
    }
    return sink->Finish();
  }

  Result<FileRecord> Complete(const std::string& id,
                              std::optional<std::vector<std::string>> part_ids = std::nullopt,
                              std::optional<std::string> sha256 = std::nullopt,
                              std::optional<std::string> md5 = std::nullopt) {
    CompleteSession req;
    req.project_id = project_id_;
    req.id = id;
    req.part_ids = std::move(part_ids);
    req.sha256 = std::move(sha256);
    req.md5 = std::move(md5);
    return sessions_->Complete(req);
  }

  // What a client reads: an open session's stitched segments, or the completed content.
  std::string Content(const std::string& id) {
    auto f = meta_->GetFile(project_id_, id, clock_.NowSeconds());
    if (!f.ok()) return "<" + f.status().ToString() + ">";
    auto reader = f->status == FileStatus::kUploading ? sessions_->OpenContent(*f)
                                                      : local_->NewReader(f->blob_key);
    if (!reader.ok()) return "<" + reader.status().ToString() + ">";
    return ReadAll(**reader);
  }

  static std::string ReadAll(BlobReader& reader) {
    std::string out(reader.size_bytes(), '\0');
    uint64_t at = 0;
    while (at < out.size()) {
      auto n = reader.ReadAt(at, std::span<char>(out.data() + at, out.size() - at));
      if (!n.ok() || *n == 0) return "<short read>";
      at += *n;
    }
    return out;
  }

  // Every committed blob key in the local store, read from the disk (blobs/<key>).
  std::vector<std::string> StoredKeys() const {
    std::vector<std::string> keys;
    const std::filesystem::path root = dir_.path() + "/blobs/blobs";
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file()) keys.push_back(it->path().lexically_relative(root).string());
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

 private:
  meta_test::ScratchDir dir_;
  FakeClock clock_;
  NoAnalysis no_analysis_;
  std::unique_ptr<LocalBlobStore> local_;
  std::unique_ptr<SqliteMetadataStore> meta_;
  std::unique_ptr<ReadCountingBlobStore> counting_;
  std::string project_id_;
  UploadDeps deps_;
  std::unique_ptr<Sessions> sessions_;
};

}  // namespace filesd::session_test
