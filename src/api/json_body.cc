#include "api/json_body.h"

#include <boost/json.hpp>

namespace filesd {
namespace {

class JsonBodyConsumer final : public BodyConsumer {
 public:
  JsonBodyConsumer(ErrorEnvelope envelope, JsonObjectHandler handle)
      : envelope_(envelope), handle_(std::move(handle)) {}

  Status OnData(std::string_view data) override {
    if (body_.size() + data.size() > kMaxJsonBodyBytes) {
      return PayloadTooLarge(
          "request body is larger than " + std::to_string(kMaxJsonBodyBytes) + " bytes",
          "body_too_large");
    }
    body_.append(data);
    return Status::Ok();
  }

  Response OnEnd() override {
    if (IsBlank(body_)) return handle_(boost::json::object());
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body_, ec);
    if (ec || !v.is_object()) {
      return ErrorResponse(InvalidArgument("Request body must be a JSON object", "invalid_json"),
                           envelope_);
    }
    return handle_(v.as_object());
  }

  void OnAbort() override {}

 private:
  static bool IsBlank(std::string_view s) {
    for (char c : s) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
    }
    return true;
  }

  ErrorEnvelope envelope_;
  JsonObjectHandler handle_;
  std::string body_;
};

}  // namespace

Dispatch JsonBodyDispatch(const RequestContext& ctx, JsonObjectHandler handle) {
  Dispatch d;
  if (ctx.head.content_length && *ctx.head.content_length > kMaxJsonBodyBytes) {
    d.response = ctx.Error(PayloadTooLarge(
        "request body is larger than " + std::to_string(kMaxJsonBodyBytes) + " bytes",
        "body_too_large"));
    return d;
  }
  d.consumer = std::make_unique<JsonBodyConsumer>(ctx.envelope, std::move(handle));
  d.max_body_bytes = kMaxJsonBodyBytes;
  return d;
}

}  // namespace filesd
