// Table test over every StatusCode: its HTTP status and both error envelopes (API.md section 1).
#include "api/errors.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "upload/presigned_uploads.h"

namespace filesd {
namespace {

struct Row {
  StatusCode code;
  unsigned http;
  const char* default_reason;
  const char* type;
};

const Row kRows[] = {
    {StatusCode::kInvalidArgument, 400, "invalid_request", "invalid_request_error"},
    {StatusCode::kUnauthenticated, 401, "missing_api_key", "invalid_request_error"},
    {StatusCode::kPermissionDenied, 403, "invalid_api_key", "invalid_request_error"},
    {StatusCode::kNotFound, 404, "not_found", "invalid_request_error"},
    {StatusCode::kConflict, 409, "conflict", "invalid_request_error"},
    {StatusCode::kPayloadTooLarge, 413, "payload_too_large", "invalid_request_error"},
    {StatusCode::kRangeNotSatisfiable, 416, "range_not_satisfiable", "invalid_request_error"},
    {StatusCode::kResourceExhausted, 429, "quota_exceeded", "invalid_request_error"},
    {StatusCode::kInternal, 500, "internal_error", "server_error"},
    {StatusCode::kUnavailable, 503, "store_unavailable", "server_error"},
};

TEST(ErrorsTest, EveryCodeHasItsHttpStatusAndOpenAiEnvelope) {
  for (const Row& row : kRows) {
    SCOPED_TRACE(std::string(StatusCodeName(row.code)));
    EXPECT_EQ(static_cast<unsigned>(HttpStatusFor(row.code)), row.http);
    Response r = ErrorResponse(Status(row.code, "the message"), ErrorEnvelope::kOpenAi);
    EXPECT_EQ(r.header.result_int(), row.http);
    EXPECT_EQ(r.header[http::field::content_type], "application/json");
    auto body = boost::json::parse(r.body).as_object();
    const auto& err = body.at("error").as_object();
    if (row.http >= 500) {
      EXPECT_NE(err.at("message").as_string(), "the message");  // internal detail never sent
    } else {
      EXPECT_EQ(err.at("message").as_string(), "the message");
    }
    EXPECT_EQ(err.at("type").as_string(), row.type);
    EXPECT_TRUE(err.at("param").is_null());
    EXPECT_EQ(err.at("code").as_string(), row.default_reason);
  }
}

TEST(ErrorsTest, BothEnvelopesAreOneJsonObjectEndingWithANewline) {
  for (ErrorEnvelope envelope : {ErrorEnvelope::kOpenAi, ErrorEnvelope::kPresigned}) {
    Response r = ErrorResponse(NotFound("No such file"), envelope);
    ASSERT_FALSE(r.body.empty());
    EXPECT_EQ(r.body.back(), '\n');
    EXPECT_EQ(r.body.find('\n'), r.body.size() - 1);  // the only raw newline
    EXPECT_TRUE(boost::json::parse(r.body).is_object());
  }
}

TEST(ErrorsTest, ServerSideDetailIsReplacedByAFixedText) {
  Response r = ErrorResponse(Internal("open /srv/data/blobs/x failed: EIO"), ErrorEnvelope::kOpenAi);
  EXPECT_EQ(r.body.find("/srv"), std::string::npos);
  Response p = ErrorResponse(Unavailable("sqlite: disk I/O error at /srv/db"),
                             ErrorEnvelope::kPresigned);
  EXPECT_EQ(p.header.result_int(), 503u);
  EXPECT_EQ(p.body.find("/srv"), std::string::npos);
}

TEST(ErrorsTest, ReasonAndParamOverrideDefaults) {
  Response r = ErrorResponse(InvalidArgument("limit must be 1..1000", "bad_limit").WithParam("limit"),
                             ErrorEnvelope::kOpenAi);
  auto err = boost::json::parse(r.body).as_object().at("error").as_object();
  EXPECT_EQ(err.at("code").as_string(), "bad_limit");
  EXPECT_EQ(err.at("param").as_string(), "limit");
}

TEST(ErrorsTest, PresignedEnvelopeUsesTheSeedWordingForAuthentication) {
  Response r401 = ErrorResponse(Status(StatusCode::kUnauthenticated, "x", "missing_api_key"),
                                ErrorEnvelope::kPresigned);
  EXPECT_EQ(r401.header.result_int(), 401u);
  EXPECT_EQ(boost::json::parse(r401.body),
            boost::json::parse(R"({"success":false,"error":"Authentication required",)"
                               R"("message":"API key must be provided in Authorization header"})"));
  Response r403 = ErrorResponse(Status(StatusCode::kPermissionDenied, "x", "invalid_api_key"),
                                ErrorEnvelope::kPresigned);
  EXPECT_EQ(r403.header.result_int(), 403u);
  EXPECT_EQ(boost::json::parse(r403.body),
            boost::json::parse(R"({"success":false,"error":"Invalid API key",)"
                               R"("message":"The provided API key is invalid, inactive, or expired"})"));
  Response r400 = ErrorResponse(InvalidArgument("filename is required"), ErrorEnvelope::kPresigned);
  EXPECT_EQ(r400.header.result_int(), 400u);
  EXPECT_EQ(boost::json::parse(r400.body),
            boost::json::parse(R"({"success":false,"error":"filename is required"})"));
}

TEST(ErrorsTest, PresignedEnvelopeCarriesTheReasonAsCodeAndAShortQuotaError) {
  Response quota = ErrorResponse(Status(StatusCode::kResourceExhausted, "5 more bytes would pass it",
                                        "storage_quota_exceeded"),
                                 ErrorEnvelope::kPresigned);
  EXPECT_EQ(quota.header.result_int(), 429u);
  EXPECT_EQ(boost::json::parse(quota.body),
            boost::json::parse(R"({"success":false,"error":"Storage quota exceeded",)"
                               R"("message":"5 more bytes would pass it",)"
                               R"("code":"storage_quota_exceeded"})"));
  Response conflict = ErrorResponse(Conflict("key reused", "idempotency_key_reused"),
                                    ErrorEnvelope::kPresigned);
  EXPECT_EQ(conflict.header.result_int(), 409u);
  EXPECT_EQ(boost::json::parse(conflict.body),
            boost::json::parse(R"({"success":false,"error":"key reused",)"
                               R"("code":"idempotency_key_reused"})"));
}

// The seed's short `error` texts of the pre-signed envelope, one row per (code, reason) that has one:
// the text, the detail as `message`, the reason as `code`, and the HTTP status.
struct SeedRow {
  StatusCode code;
  std::string_view reason;
  unsigned http;
  const char* error;
};

const SeedRow kSeedRows[] = {
    {StatusCode::kInvalidArgument, kReasonFileTooLarge, 400, "File too large"},
    {StatusCode::kInvalidArgument, kReasonInvalidFileType, 400, "Invalid file type"},
    {StatusCode::kInvalidArgument, kReasonFileSizeMismatch, 400, "File size mismatch"},
    {StatusCode::kInvalidArgument, kReasonChecksumMismatch, 400, "Checksum mismatch"},
    {StatusCode::kNotFound, "file_not_found", 404, "File not found"},
    {StatusCode::kNotFound, kReasonFileNotInStorage, 404, "File not found in storage"},
    {StatusCode::kConflict, kReasonFileProcessing, 409, "File is being processed"},
    {StatusCode::kResourceExhausted, "storage_quota_exceeded", 429, "Storage quota exceeded"},
    {StatusCode::kInternal, kReasonProcessingFailed, 500, "Processing failed"},
};

TEST(ErrorsTest, PresignedEnvelopeGivesEverySeedReasonItsShortError) {
  for (const SeedRow& row : kSeedRows) {
    SCOPED_TRACE(std::string(row.reason));
    Response r = ErrorResponse(Status(row.code, "the detail", std::string(row.reason)),
                               ErrorEnvelope::kPresigned);
    EXPECT_EQ(r.header.result_int(), row.http);
    boost::json::object want{{"success", false}, {"error", row.error},
                             {"message", "the detail"}, {"code", row.reason}};
    EXPECT_EQ(boost::json::parse(r.body), boost::json::value(want));
    // Without a detail there is no `message`.
    Response bare = ErrorResponse(Status(row.code, "", std::string(row.reason)),
                                  ErrorEnvelope::kPresigned);
    want.erase("message");
    EXPECT_EQ(boost::json::parse(bare.body), boost::json::value(want));
  }
}

TEST(ErrorsTest, TheWordsARefusalIsRecordedWithAreTheWordsOfItsAnswer) {
  for (const RefusalWords& w : kRefusalWords) {
    Response r = ErrorResponse(Status(StatusCode::kInvalidArgument, "m", std::string(w.reason)),
                               ErrorEnvelope::kPresigned);
    EXPECT_EQ(boost::json::parse(r.body).as_object().at("error").as_string(), w.words);
  }
}

TEST(ErrorsTest, ASeedReasonUnderAnotherCodeKeepsItsMessageAsError) {
  // 413 file_too_large (a streamed body over the limit) names the limit in `error` as before.
  Response r = ErrorResponse(PayloadTooLarge("file is larger than the limit of 5 bytes",
                                             "file_too_large"),
                             ErrorEnvelope::kPresigned);
  EXPECT_EQ(r.header.result_int(), 413u);
  EXPECT_EQ(boost::json::parse(r.body),
            boost::json::parse(R"({"success":false,"error":"file is larger than the limit of 5 )"
                               R"(bytes","code":"file_too_large"})"));
  // 403 size_mismatch of a signed PUT likewise.
  Response put = ErrorResponse(Status(StatusCode::kPermissionDenied, "size differs",
                                      "size_mismatch"),
                               ErrorEnvelope::kPresigned);
  EXPECT_EQ(boost::json::parse(put.body),
            boost::json::parse(R"({"success":false,"error":"size differs","code":"size_mismatch"})"));
}

TEST(ErrorsTest, AFailedAnalysisKeepsItsDetailOtherInternalErrorsDoNot) {
  Response failed = ErrorResponse(Status(StatusCode::kInternal, "worker crashed",
                                         std::string(kReasonProcessingFailed)),
                                  ErrorEnvelope::kPresigned);
  EXPECT_NE(failed.body.find("worker crashed"), std::string::npos);
  Response other = ErrorResponse(Status(StatusCode::kInternal, "EIO at /srv", "content_missing"),
                                 ErrorEnvelope::kPresigned);
  EXPECT_EQ(other.body.find("/srv"), std::string::npos);
}

}  // namespace
}  // namespace filesd
