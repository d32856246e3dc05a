#include "api/idempotency.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "api/handler_util.h"
#include "api/json_body.h"
#include "api/json_response.h"
#include "base/crypto.h"
#include "coord/claim_takeover.h"

namespace filesd {
namespace {

constexpr std::string_view kHeader = "Idempotency-Key";
constexpr std::string_view kReplayedHeader = "Idempotent-Replayed";
// The official OpenAI SDKs read this to decide whether to retry.
constexpr std::string_view kShouldRetryHeader = "x-should-retry";

struct KeyRef {
  std::string project_id;
  std::string key;
  std::string owner;
};

Status InvalidKey() {
  return InvalidArgument("Idempotency-Key must be 1 to " + std::to_string(kMaxIdempotencyKeyBytes) +
                             " printable ASCII characters",
                         "invalid_idempotency_key")
      .WithParam(std::string(kHeader));
}

bool ValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) return false;
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Response KeyReused(ErrorEnvelope envelope) {
  Response r = ErrorResponse(
      Conflict("This Idempotency-Key was already used with a different request in the last 24 "
               "hours; use a new key for a new request",
               "idempotency_key_reused"),
      envelope);
  r.header.set(kShouldRetryHeader, "false");
  return r;
}

Response KeyInUse(ErrorEnvelope envelope) {
  Response r = ErrorResponse(
      Conflict("A request with this Idempotency-Key is still running; retry when it has finished",
               "idempotency_key_in_use"),
      envelope);
  r.header.set(http::field::retry_after, "1");
  r.header.set(kShouldRetryHeader, "true");
  return r;
}

Response Replay(const IdempotencyRecord& record) {
  Response r = StoredJsonResponse(static_cast<unsigned>(*record.status_code), record.response_body);
  r.header.set(kReplayedHeader, "true");
  return r;
}

// Releases `ref`'s claim; a failure leaves it to be taken over after a restart, so only logged.
void Release(MetadataStore& meta, const KeyRef& ref) {
  if (Status s = meta.ReleaseIdempotencyKey(ref.project_id, ref.key, ref.owner); !s.ok()) {
    spdlog::warn("idempotency: could not release key of project {}: {}", ref.project_id,
                 s.ToString());
  }
}

// Records `answer` as the answer of `ref`'s claim; if the store refuses, releases the claim, so
// a retry runs again rather than waiting for an answer that never comes.
void RecordAnswer(MetadataStore& meta, const KeyRef& ref, const std::string& fingerprint,
                  const Response& answer) {
  Status s = meta.AnswerIdempotencyKey(ref.project_id, ref.key, ref.owner, fingerprint,
                                       static_cast<int>(answer.header.result_int()), answer.body);
  if (s.ok()) return;
  spdlog::warn("idempotency: could not record the answer for project {}: {}", ref.project_id,
               s.ToString());
  Release(meta, ref);
}

// The first request with a key: the route's own consumer, with the body also fingerprinted; the
// answer is recorded if it is a success, the claim released otherwise.
class OwnerConsumer final : public BodyConsumer {
 public:
  OwnerConsumer(MetadataStore& meta, KeyRef ref, std::unique_ptr<RequestFingerprint> fingerprint,
                std::unique_ptr<BodyConsumer> inner)
      : meta_(meta),
        ref_(std::move(ref)),
        fingerprint_(std::move(fingerprint)),
        inner_(std::move(inner)) {}

  ~OwnerConsumer() override {
    if (!settled_) Release(meta_, ref_);
  }

  Status OnData(std::string_view data) override {
    fingerprint_->Feed(data);
    return inner_->OnData(data);
  }

  Response OnEnd() override {
    Response r = inner_->OnEnd();
    settled_ = true;
    const std::optional<std::string> fp = fingerprint_->Finish();
    const unsigned status = r.header.result_int();
    if (!fp || status < 200 || status > 299 || r.stream != nullptr) {
      Release(meta_, ref_);
      return r;
    }
    RecordAnswer(meta_, ref_, *fp, r);
    return r;
  }

  void OnAbort() override {
    inner_->OnAbort();
    settled_ = true;
    Release(meta_, ref_);
  }

 private:
  MetadataStore& meta_;
  const KeyRef ref_;
  std::unique_ptr<RequestFingerprint> fingerprint_;
  std::unique_ptr<BodyConsumer> inner_;
  bool settled_ = false;
};

// A repeat after the first answer: reads the body only to fingerprint it.
class ReplayConsumer final : public BodyConsumer {
 public:
  ReplayConsumer(IdempotencyRecord record, std::unique_ptr<RequestFingerprint> fingerprint,
                 ErrorEnvelope envelope)
      : record_(std::move(record)), fingerprint_(std::move(fingerprint)), envelope_(envelope) {}

  Status OnData(std::string_view data) override {
    fingerprint_->Feed(data);
    return Status::Ok();
  }
  Response OnEnd() override {
    if (fingerprint_->Finish() != record_.fingerprint) return KeyReused(envelope_);
    return Replay(record_);
  }
  void OnAbort() override {}

 private:
  const IdempotencyRecord record_;
  std::unique_ptr<RequestFingerprint> fingerprint_;
  const ErrorEnvelope envelope_;
};

// Takes over the claim of a dead process that had created its file: reads the body only for its
// fingerprint, then records and answers that file.
class CreatedFileConsumer final : public BodyConsumer {
 public:
  CreatedFileConsumer(MetadataStore& meta, KeyRef ref,
                      std::unique_ptr<RequestFingerprint> fingerprint, Response answer,
                      ErrorEnvelope envelope)
      : meta_(meta),
        ref_(std::move(ref)),
        fingerprint_(std::move(fingerprint)),
        answer_(std::move(answer)),
        envelope_(envelope) {}

  Status OnData(std::string_view data) override {
    fingerprint_->Feed(data);
    return Status::Ok();
  }
  Response OnEnd() override {
    const std::optional<std::string> fp = fingerprint_->Finish();
    if (!fp) {  // the route would refuse this body: so does the request that takes it over
      Release(meta_, ref_);
      return ErrorResponse(InvalidArgument("the request body is malformed"), envelope_);
    }
    RecordAnswer(meta_, ref_, *fp, answer_);
    return std::move(answer_);
  }
  void OnAbort() override { Release(meta_, ref_); }

 private:
  MetadataStore& meta_;
  const KeyRef ref_;
  std::unique_ptr<RequestFingerprint> fingerprint_;
  Response answer_;
  const ErrorEnvelope envelope_;
};

uint64_t MaxBodyBytes(const ApiOptions& options, BodyKind kind) {
  return kind == BodyKind::kJson ? kMaxJsonBodyBytes
                                 : options.max_file_bytes + options.multipart_overhead_bytes;
}

// Runs the route as the owner of `ref`'s claim.
Dispatch RunAsOwner(RequestContext& ctx, KeyRef ref, std::unique_ptr<RequestFingerprint> fp,
                    RouteHandler handler) {
  MetadataStore& meta = *ctx.services.meta;
  Dispatch d = handler(ctx);
  if (d.consumer == nullptr) {
    // Answered from the header alone: an error (every idempotent route reads a body to succeed).
    Release(meta, ref);
    return d;
  }
  d.consumer =
      std::make_unique<OwnerConsumer>(meta, std::move(ref), std::move(fp), std::move(d.consumer));
  return d;
}

// Runs the route for the claim `record` of a dead process, now held by `ref`.
Dispatch RunAsHeir(RequestContext& ctx, const IdempotentRoute& route,
                   const IdempotencyRecord& record, KeyRef ref,
                   std::unique_ptr<RequestFingerprint> fp) {
  if (route.answer_for_file != nullptr && record.file_id) {
    auto file = ctx.services.meta->GetFile(ref.project_id, *record.file_id, ctx.now);
    if (file.ok()) {
      Dispatch d;
      d.consumer =
          std::make_unique<CreatedFileConsumer>(*ctx.services.meta, std::move(ref), std::move(fp),
                                                route.answer_for_file(*file), ctx.envelope);
      d.max_body_bytes = MaxBodyBytes(ctx.services.options, route.body);
      return d;
    }
    if (file.status().code() != StatusCode::kNotFound) {
      Release(*ctx.services.meta, ref);
      return Answer(ctx.Error(file.status()));
    }
    ctx.reserved_file_id = record.file_id;  // not created: create it under the id reserved for it
  }
  return RunAsOwner(ctx, std::move(ref), std::move(fp), route.handler);
}

}  // namespace

Dispatch RunIdempotently(RequestContext& ctx, const IdempotentRoute& route) {
  auto it = ctx.head.header.find(kHeader);
  if (it == ctx.head.header.end()) return route.handler(ctx);
  const std::string_view key = it->value();
  if (!ValidKey(key)) return Answer(ctx.Error(InvalidKey()));

  std::string_view content_type;
  if (auto ct = ctx.head.header.find(http::field::content_type); ct != ctx.head.header.end()) {
    content_type = ct->value();
  }
  auto fp = std::make_unique<RequestFingerprint>(route.name, ctx.params, route.body, content_type);
  MetadataStore& meta = *ctx.services.meta;
  KeyRef ref{ctx.project_id, std::string(key), ctx.services.instance_id};
  std::optional<std::string> reserved;
  if (route.answer_for_file != nullptr) reserved = NewUuidV4();
  auto existing = meta.ClaimIdempotencyKey(ref.project_id, ref.key, ref.owner, reserved, ctx.now,
                                           ctx.now - kIdempotencyKeySeconds);
  if (!existing.ok()) return Answer(ctx.Error(existing.status()));
  if (!existing->has_value()) {
    ctx.reserved_file_id = std::move(reserved);
    return RunAsOwner(ctx, std::move(ref), std::move(fp), route.handler);
  }

  IdempotencyRecord record = std::move(existing->value());
  if (record.answered()) {
    Dispatch d;
    d.consumer = std::make_unique<ReplayConsumer>(std::move(record), std::move(fp), ctx.envelope);
    d.max_body_bytes = MaxBodyBytes(ctx.services.options, route.body);
    return d;
  }
  if (record.owner != ref.owner) {
    // Only the claim of an instance that is gone is taken over (coord/claim_takeover.h).
    Result<bool> took = TakeOverClaimOfGoneOwner(meta, ctx.services.liveness, record, ref.owner);
    if (!took.ok()) return Answer(ctx.Error(took.status()));
    if (*took) return RunAsHeir(ctx, route, record, std::move(ref), std::move(fp));
  }
  return Answer(KeyInUse(ctx.envelope));
}

}  // namespace filesd
