#include "api/request_fingerprint.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>

#include "api/json_body.h"
#include "api/parse/multipart_parser.h"
#include "base/crypto.h"

namespace filesd {
namespace {

// `s` with its length in front, so that no two sequences of fields concatenate alike.
std::string LengthPrefixed(std::string_view s) {
  return std::to_string(s.size()) + ":" + std::string(s);
}

// JSON with object keys sorted at every level; everything else as boost::json writes it.
void WriteCanonical(const boost::json::value& v, std::string& out) {
  if (const boost::json::object* o = v.if_object()) {
    std::vector<const boost::json::key_value_pair*> members;
    for (const auto& kv : *o) members.push_back(&kv);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out += ',';
      out += boost::json::serialize(boost::json::string(members[i]->key()));
      out += ':';
      WriteCanonical(members[i]->value(), out);
    }
    out += '}';
  } else if (const boost::json::array* a = v.if_array()) {
    out += '[';
    for (size_t i = 0; i < a->size(); ++i) {
      if (i > 0) out += ',';
      WriteCanonical((*a)[i], out);
    }
    out += ']';
  } else {
    out += boost::json::serialize(v);
  }
}

}  // namespace

class RequestFingerprint::Body {
 public:
  virtual ~Body() = default;
  virtual void Feed(std::string_view data) = 0;
  // The body's canonical form, or nullopt when it does not parse.
  virtual std::optional<std::string> Finish() = 0;
};

namespace {

class JsonBody final : public RequestFingerprint::Body {
 public:
  void Feed(std::string_view data) override {
    if (text_.size() + data.size() > kMaxJsonBodyBytes) {
      too_long_ = true;
      return;
    }
    text_.append(data);
  }
  std::optional<std::string> Finish() override {
    if (too_long_) return std::nullopt;
    if (text_.find_first_not_of(" \t\r\n") == std::string::npos) text_ = "{}";
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text_, ec);
    if (ec) return std::nullopt;
    std::string out = "json:";
    WriteCanonical(v, out);
    return out;
  }

 private:
  std::string text_;
  bool too_long_ = false;
};

class MultipartBody final : public RequestFingerprint::Body, private MultipartHandler {
 public:
  explicit MultipartBody(std::string boundary) : parser_(std::move(boundary), this) {}

  void Feed(std::string_view data) override { (void)parser_.Feed(data); }
  std::optional<std::string> Finish() override {
    if (!parser_.Finish().ok()) return std::nullopt;
    return "multipart:" + summary_;
  }

 private:
  Status OnPartBegin(const MultipartPartHeaders& h) override {
    summary_ += LengthPrefixed(h.name);
    summary_ += h.filename ? LengthPrefixed(*h.filename) : std::string("-");
    summary_ += LengthPrefixed(h.content_type);
    part_.emplace();
    return Status::Ok();
  }
  Status OnPartData(std::string_view data) override {
    part_->Update(data);
    return Status::Ok();
  }
  Status OnPartEnd() override {
    summary_ += part_->FinishHex();
    part_.reset();
    return Status::Ok();
  }

  MultipartParser parser_;
  std::optional<Sha256> part_;
  std::string summary_;  // a few hundred bytes per part, at most MultipartLimits::max_parts parts
};

class UnparsableBody final : public RequestFingerprint::Body {
 public:
  void Feed(std::string_view) override {}
  std::optional<std::string> Finish() override { return std::nullopt; }
};

}  // namespace

RequestFingerprint::RequestFingerprint(std::string_view route,
                                       const std::vector<std::string>& params, BodyKind kind,
                                       std::string_view content_type)
    : head_(LengthPrefixed(route)) {
  for (const std::string& p : params) head_ += LengthPrefixed(p);
  if (kind == BodyKind::kJson) {
    body_ = std::make_unique<JsonBody>();
  } else if (auto boundary = BoundaryFromContentType(content_type); boundary.ok()) {
    body_ = std::make_unique<MultipartBody>(std::move(boundary).value());
  } else {
    body_ = std::make_unique<UnparsableBody>();
  }
}

RequestFingerprint::~RequestFingerprint() = default;

void RequestFingerprint::Feed(std::string_view data) { body_->Feed(data); }

std::optional<std::string> RequestFingerprint::Finish() {
  std::optional<std::string> body = body_->Finish();
  if (!body) return std::nullopt;
  Sha256 sha;
  sha.Update(head_);
  sha.Update(LengthPrefixed(*body));
  return sha.FinishHex();
}

}  // namespace filesd
