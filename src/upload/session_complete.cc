// Completing an upload session (POST /v1/uploads/{id}/complete). Top to bottom:
//   1. The session must be open. Its content is either its segments (appends) or the parts the
//      client lists, in the client's order; their total must fit the size limit and the quotas.
//   2. The digest: the running SHA-256 state of the last segment, or of the last listed part when
//      the listed parts form the chain they were hashed in, finished: no byte is read for it. A
//      given sha256 that differs is refused here, before anything is written.
//   3. The content is composed into a fresh content blob (intent first; ComposeBlobs: the store's
//      in-kernel concatenation, or a copy). Only when the parts' chain is broken (parallel or
//      reordered uploads), or an md5 is given, the parts are read once, for both digests, on a
//      second thread while the compose runs.
//   4. One conditional UpdateFile (still uploading, same size, no content blob) adopts the blob and
//      records the digest; the staged segments/parts are then discarded best-effort while the
//      file is analysed.
// A failure before 4 removes the composed blob and its intent: the session stays open, unchanged.
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <map>
#include <set>
#include <system_error>
#include <thread>

#include "analysis/file_analyzer.h"
#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "upload/session_state.h"
#include "upload/sessions.h"
#include "upload/upload_checks.h"

namespace filesd {

using namespace session_state;

namespace {

constexpr size_t kReadBufferBytes = 1u << 20;

// Incremental MD5 (OpenAI's optional `md5` on complete), over OpenSSL EVP.
class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) {
    FILESD_CHECK(ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr) == 1);
  }
  ~Md5() { EVP_MD_CTX_free(ctx_); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void Update(std::string_view data) {
    FILESD_CHECK(EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1);
  }
  std::string FinishHex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    FILESD_CHECK(EVP_DigestFinal_ex(ctx_, out, &n) == 1);
    return HexEncode(std::string_view(reinterpret_cast<const char*>(out), n));
  }

 private:
  EVP_MD_CTX* ctx_;
};

Status ChecksumMismatch(std::string_view field, const std::string& got) {
  return InvalidArgument(std::string(field) + " does not match the content (" + got +
                             "); the upload stays open",
                         "checksum_mismatch")
      .WithParam(std::string(field));
}

// "part_<uuid>", the form part ids have.
bool IsPartId(std::string_view id) {
  constexpr std::string_view kPrefix = "part_";
  return id.starts_with(kPrefix) && IsUuid(id.substr(kPrefix.size()));
}

// What the session's content is made of.
struct ContentPlan {
  std::vector<std::string> sources;  // blob keys, in order
  uint64_t bytes = 0;
  std::optional<std::string> sha256;  // known without reading, when the hash chain holds
};

Result<ContentPlan> PlanSegments(const UploadDeps& deps, const FileRecord& f) {
  FILESD_ASSIGN_OR_RETURN(std::vector<UploadSegmentRecord> segments,
                          SegmentsUpTo(*deps.meta, f.id, f.bytes));
  ContentPlan plan;
  plan.bytes = f.bytes;
  for (const UploadSegmentRecord& s : segments) plan.sources.push_back(s.blob_key);
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<Sha256> sha,
                          ResumeSha256(segments.empty() ? "" : segments.back().sha256_state));
  plan.sha256 = sha->FinishHex();
  return plan;
}

Result<ContentPlan> PlanParts(const UploadDeps& deps, const std::string& id,
                              const std::vector<UploadPartRecord>& parts,
                              const std::vector<std::string>& part_ids) {
  std::map<std::string, const UploadPartRecord*> by_id;
  for (const UploadPartRecord& p : parts) by_id[p.id] = &p;
  std::set<std::string> seen;
  ContentPlan plan;
  bool chained = true;
  std::string prev;  // the id the next listed part must have continued
  const UploadPartRecord* last = nullptr;
  for (const std::string& pid : part_ids) {
    auto it = by_id.find(pid);
    if (it == by_id.end()) {
      return InvalidArgument(IsPartId(pid) ? "part " + pid + " is not a part of upload " + id
                                           : "part_ids lists a value that is not a part id")
          .WithParam("part_ids");
    }
    if (!seen.insert(pid).second) {
      return InvalidArgument("part " + pid + " is listed twice").WithParam("part_ids");
    }
    // A part without a state was staged before parts were hashed: it breaks the chain.
    chained = chained && it->second->chain_prev == prev && !it->second->sha256_state.empty();
    prev = pid;
    last = it->second;
    plan.sources.push_back(it->second->blob_key);
    plan.bytes += it->second->bytes;
  }
  if (plan.bytes > deps.limits.max_file_bytes) {
    return PayloadTooLarge("the parts add up to more than the file size limit of " +
                               std::to_string(deps.limits.max_file_bytes) + " bytes",
                           "file_too_large");
  }
  if (chained) {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<Sha256> sha,
                            ResumeSha256(last != nullptr ? last->sha256_state : ""));
    plan.sha256 = sha->FinishHex();
  }
  return plan;
}

// The composed content blob until the file row adopts it: created under a blob intent, removed
// (blob, then intent) unless Adopted().
class ComposedBlob {
 public:
  ComposedBlob(const UploadDeps& deps, std::string key) : deps_(deps), key_(std::move(key)) {}
  ~ComposedBlob() { Abandon(); }
  ComposedBlob(const ComposedBlob&) = delete;
  ComposedBlob& operator=(const ComposedBlob&) = delete;

  Status Compose(const std::vector<std::string>& sources) {
    FILESD_RETURN_IF_ERROR(deps_.meta->RecordBlobIntent(key_, deps_.clock->NowSeconds()));
    intent_ = true;
    return ComposeBlobs(*deps_.blobs, key_, sources).status();
  }
  const std::string& key() const { return key_; }
  void Adopted() { intent_ = false; }
  void Abandon() {
    if (!intent_) return;
    intent_ = false;
    // If either step fails, the intent stays and the janitor removes the blob later.
    if (Status d = deps_.blobs->Delete(key_); !d.ok()) {
      spdlog::warn("uploads: could not delete composed blob {}: {}", key_, d.ToString());
      return;
    }
    (void)deps_.meta->RemoveBlobIntent(key_);
  }

 private:
  const UploadDeps deps_;
  const std::string key_;
  bool intent_ = false;
};

// Reads the committed `keys` once, back to back, into the digests that are set.
Status ReadDigests(BlobStore& blobs, const std::vector<std::string>& keys, Sha256* sha, Md5* md5) {
  std::string buf(kReadBufferBytes, '\0');
  for (const std::string& key : keys) {
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, blobs.NewReader(key));
    const uint64_t size = reader->size_bytes();
    for (uint64_t at = 0; at < size;) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - at));
      FILESD_ASSIGN_OR_RETURN(size_t n, reader->ReadAt(at, std::span<char>(buf.data(), want)));
      if (n == 0) return Internal("a part is shorter than its size");
      const std::string_view piece(buf.data(), n);
      if (sha != nullptr) sha->Update(piece);
      if (md5 != nullptr) md5->Update(piece);
      at += n;
    }
  }
  return Status::Ok();
}

// Runs `beside` on a second thread while `here` runs on this one; returns what `here` returned once
// both are done. One after the other if no thread can be started.
template <typename Here>
auto WhileBeside(const std::function<void()>& beside, Here here) {
  std::thread side;
  try {
    side = std::thread(beside);
  } catch (const std::system_error&) {
    beside();
    return here();
  }
  auto result = here();
  side.join();
  return result;
}

// Composes `sources` into `content` and, when `sha` or `md5` is set, reads the sources into them at
// the same time (the parts were just written: their pages are in memory), so the digests cost no
// time beside the in-kernel copy.
Status ComposeAndDigest(const UploadDeps& deps, ComposedBlob& content,
                        const std::vector<std::string>& sources, Sha256* sha, Md5* md5) {
  if (sha == nullptr && md5 == nullptr) return content.Compose(sources);
  Status digested;
  Status composed = WhileBeside([&] { digested = ReadDigests(*deps.blobs, sources, sha, md5); },
                                [&] { return content.Compose(sources); });
  FILESD_RETURN_IF_ERROR(composed);
  return digested;
}

}  // namespace

Result<FileRecord> Sessions::Complete(const CompleteSession& req) const {
  const int64_t now = deps_.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(FileRecord f, Load(deps_, req.project_id, req.id, now));
  if (f.status != FileStatus::kUploading) return SessionClosed(req.id);
  FILESD_ASSIGN_OR_RETURN(std::vector<UploadPartRecord> parts, deps_.meta->ListUploadParts(f.id));
  const bool listed = req.part_ids && !req.part_ids->empty();
  const bool parts_mode = !parts.empty() || (listed && f.bytes == 0);

  FileRecord updated = f;
  if (req.expires_after_seconds) {
    FILESD_ASSIGN_OR_RETURN(updated.expires_at,
                            ExpiryFromCreation(f.created_at, *req.expires_after_seconds, now));
  }
  ContentPlan plan;
  if (parts_mode) {
    if (!req.part_ids) {
      return InvalidArgument("part_ids is required to complete an upload made of parts")
          .WithParam("part_ids");
    }
    FILESD_ASSIGN_OR_RETURN(plan, PlanParts(deps_, f.id, parts, *req.part_ids));
    // Quotas, before composing; UpdateFile applies them again atomically.
    FILESD_ASSIGN_OR_RETURN(QuotaState quota, LoadQuotaState(*deps_.meta, req.project_id, now));
    FILESD_RETURN_IF_ERROR(quota.CheckGrowth(plan.bytes));
  } else {
    if (listed) return ModesMixed();
    FILESD_ASSIGN_OR_RETURN(plan, PlanSegments(deps_, f));
  }
  if (plan.sha256 && req.sha256 && *plan.sha256 != *req.sha256) {
    return ChecksumMismatch("sha256", *plan.sha256);
  }

  ComposedBlob content(deps_, blob_keys::NewContentKey(f.id));
  std::unique_ptr<Sha256> sha = plan.sha256 ? nullptr : std::make_unique<Sha256>();
  std::optional<Md5> md5;
  if (req.md5) md5.emplace();
  FILESD_RETURN_IF_ERROR(
      ComposeAndDigest(deps_, content, plan.sources, sha.get(), md5 ? &*md5 : nullptr));
  if (sha) {
    rehashed_completes_.fetch_add(1);
    plan.sha256 = sha->FinishHex();
    if (req.sha256 && *plan.sha256 != *req.sha256) return ChecksumMismatch("sha256", *plan.sha256);
  }
  if (md5) {
    const std::string got = md5->FinishHex();
    if (got != *req.md5) return ChecksumMismatch("md5", got);
  }

  updated.status = FileStatus::kUploaded;
  updated.bytes = plan.bytes;
  updated.sha256 = plan.sha256;
  updated.blob_key = content.key();
  updated.updated_at = now;
  FilePrecondition expect;
  expect.status = FileStatus::kUploading;
  expect.bytes = f.bytes;
  expect.blob_key = f.blob_key;
  Status adopted = deps_.meta->UpdateFile(updated, expect, now);
  if (adopted.code() == StatusCode::kNotFound) return NoSuchUpload(f.id);
  if (adopted.code() == StatusCode::kConflict) {
    return Conflict("the upload changed meanwhile; read its size and retry", "upload_changed");
  }
  // Adopted, or possibly adopted (a lost reply): then the intent or the row keeps the blob.
  if (adopted.ok() || MayHaveCommitted(adopted)) content.Adopted();
  FILESD_RETURN_IF_ERROR(adopted);
  // The staged pieces are garbage now. Removing them (one unlink each, a few ms apiece on ext4)
  // runs beside the analysis, which mostly waits for its worker process, not after it.
  auto analyzed = WhileBeside([&] { DiscardStaged(deps_, f.id); },
                               [&] { return deps_.analyzer->Analyze(updated); });
  if (!analyzed.ok()) {
    spdlog::warn("uploads: analysis of {} failed: {}", f.id, analyzed.status().ToString());
    return updated;
  }
  return analyzed;
}

}  // namespace filesd
