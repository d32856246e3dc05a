// RequestFingerprint: what makes two requests "the same request" for Idempotency-Key (API.md
// section 8): the route, its path parameters and the meaning of the body, not its framing. A retry
// by an SDK may pick a new multipart boundary or reorder JSON keys and is still the same request.
//
//  * JSON bodies: the parsed value, serialised with object keys sorted (a blank body is `{}`, as
//    the JSON routes read it).
//  * multipart/form-data bodies: each part's name, filename and Content-Type and a SHA-256 of its
//    bytes, in order.
// The body streams through Feed() in pieces; JSON is held up to kMaxJsonBodyBytes, multipart parts
// only as digests. A body that does not parse has no fingerprint (its route refuses it anyway).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace filesd {

enum class BodyKind { kJson, kMultipart };

class RequestFingerprint {
 public:
  // `content_type`: the request's Content-Type (multipart needs its boundary).
  RequestFingerprint(std::string_view route, const std::vector<std::string>& params, BodyKind kind,
                     std::string_view content_type);
  ~RequestFingerprint();
  RequestFingerprint(const RequestFingerprint&) = delete;
  RequestFingerprint& operator=(const RequestFingerprint&) = delete;

  void Feed(std::string_view data);
  // Hex SHA-256, or nullopt when the body does not parse. Call once, after the last Feed().
  std::optional<std::string> Finish();

  class Body;  // how one kind of body is read; defined in the .cc

 private:
  std::string head_;  // route and parameters, length-prefixed
  std::unique_ptr<Body> body_;
};

}  // namespace filesd
