#include "api/json_response.h"

#include <boost/json/serialize.hpp>

namespace filesd {

Response StoredJsonResponse(unsigned status, std::string body) {
  Response r;
  r.header.result(status);
  r.header.set(http::field::content_type, "application/json");
  r.body = std::move(body);
  return r;
}

Response JsonTextResponse(std::string json) {
  json.push_back('\n');
  return StoredJsonResponse(200, std::move(json));
}

Response JsonResponse(http::status status, const boost::json::object& body) {
  std::string text = boost::json::serialize(body);
  text.push_back('\n');
  return StoredJsonResponse(static_cast<unsigned>(status), std::move(text));
}

}  // namespace filesd
