// Parts of an upload session (POST /v1/uploads/{id}/parts, OpenAI Uploads). Top to bottom:
//   1. AdmitPart (before the body is read): the session must be open with no appended bytes; the
//      quotas must leave room for the least size the request's length implies.
//   2. BeginPart (the `data` field begins): a fresh blob (BlobIngest: intent first), and a running
//      SHA-256 continuing the state of the part with the highest seq now (its id is chain_prev).
//   3. Append: refuses past the part limit (413 part_too_large) or the room the quotas leave (429).
//   4. Finish: the blob is made durable, then AddUploadPart records the part (seq, chain_prev, its
//      state) and adopts the blob in one transaction, if the session is still open without bytes.
// Any failure abandons the blob (or, if the process dies, the janitor removes it via its intent).
#include "base/crypto.h"
#include "blob/blob_keys.h"
#include "upload/blob_ingest.h"
#include "upload/session_state.h"
#include "upload/sessions.h"

namespace filesd {

using namespace session_state;

namespace {

class PartUpload final : public PartSink {
 public:
  PartUpload(const UploadDeps& deps, PartTicket ticket, std::string chain_prev,
             std::unique_ptr<Sha256> sha, std::unique_ptr<BlobIngest> ingest)
      : deps_(deps),
        ticket_(std::move(ticket)),
        chain_prev_(std::move(chain_prev)),
        sha_(std::move(sha)),
        ingest_(std::move(ingest)) {}

  Status Append(std::string_view bytes) override {
    const uint64_t after = ingest_->size_bytes() + bytes.size();
    if (after > ticket_.limit) {
      return PayloadTooLarge("a part may hold at most " + std::to_string(ticket_.limit) + " bytes",
                             "part_too_large");
    }
    // A part that alone cannot fit the quota is refused as soon as its bytes pass the room left.
    FILESD_RETURN_IF_ERROR(ticket_.quota.CheckGrowth(after));
    sha_->Update(bytes);
    return ingest_->Append(bytes);
  }

  uint64_t size_bytes() const override { return ingest_->size_bytes(); }

  Result<UploadPartRecord> Finish() override {
    auto part = Record();
    if (!part.ok()) Abandon();
    return part;
  }

  void Abandon() override { ingest_->Abandon(); }

 private:
  Result<UploadPartRecord> Record() {
    FILESD_ASSIGN_OR_RETURN(BlobInfo blob, ingest_->Commit());
    UploadPartRecord part;
    part.id = "part_" + NewUuidV4();
    part.file_id = ticket_.id;
    part.bytes = blob.size_bytes;
    part.blob_key = ingest_->blob_key();
    part.chain_prev = chain_prev_;
    part.sha256_state = sha_->ExportState();
    const int64_t now = deps_.clock->NowSeconds();
    part.created_at = now;
    Status added = deps_.meta->AddUploadPart(ticket_.project_id, part, now);
    if (added.code() == StatusCode::kNotFound) return NoSuchUpload(ticket_.id);
    if (added.code() == StatusCode::kConflict) {
      FileRecord unused;
      FILESD_RETURN_IF_ERROR(ExplainRefusal(deps_, ticket_.project_id, ticket_.id, true, &unused));
      return added;
    }
    // Recorded, or possibly recorded (a lost reply): then the intent or the row keeps the blob.
    if (added.ok() || MayHaveCommitted(added)) ingest_->Adopted();
    FILESD_RETURN_IF_ERROR(added);
    return part;
  }

  const UploadDeps deps_;
  const PartTicket ticket_;
  const std::string chain_prev_;
  const std::unique_ptr<Sha256> sha_;
  const std::unique_ptr<BlobIngest> ingest_;
};

}  // namespace

Result<PartTicket> Sessions::AdmitPart(const std::string& project_id, const std::string& id,
                                       uint64_t least_part_bytes) const {
  const int64_t now = deps_.clock->NowSeconds();
  FILESD_ASSIGN_OR_RETURN(FileRecord f, Load(deps_, project_id, id, now));
  if (f.status != FileStatus::kUploading) return SessionClosed(f.id);
  if (f.bytes > 0) return ModesMixed();
  PartTicket ticket;
  ticket.project_id = project_id;
  ticket.id = id;
  ticket.limit = std::min(kMaxPartBytes, deps_.limits.max_file_bytes);
  FILESD_ASSIGN_OR_RETURN(ticket.quota, LoadQuotaState(*deps_.meta, project_id, now));
  if (least_part_bytes > 0) FILESD_RETURN_IF_ERROR(ticket.quota.CheckGrowth(least_part_bytes));
  return ticket;
}

Result<std::unique_ptr<PartSink>> Sessions::BeginPart(const PartTicket& ticket) const {
  // The chain this part continues: the part with the highest seq so far, if it was hashed (a part
  // staged before 0006_upload_segments has no state: then this part starts a chain of its own).
  FILESD_ASSIGN_OR_RETURN(std::vector<UploadPartRecord> parts,
                          deps_.meta->ListUploadParts(ticket.id));
  const UploadPartRecord* last = nullptr;
  for (const UploadPartRecord& p : parts) {
    if (last == nullptr || p.seq > last->seq) last = &p;
  }
  if (last != nullptr && last->sha256_state.empty()) last = nullptr;
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<Sha256> sha,
                          ResumeSha256(last != nullptr ? last->sha256_state : ""));
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobIngest> ingest,
                          BlobIngest::Start(deps_, blob_keys::NewContentKey(ticket.id)));
  return std::unique_ptr<PartSink>(new PartUpload(deps_, ticket,
                                                  last != nullptr ? last->id : std::string(),
                                                  std::move(sha), std::move(ingest)));
}

}  // namespace filesd
