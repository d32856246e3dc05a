#include "api/json_response.h"

#include <boost/json/serialize.hpp>

namespace filesd {

Response JsonResponse(http::status status, const boost::json::object& body) {
  Response r;
  r.header.result(status);
  r.header.set(http::field::content_type, "application/json");
  r.body = boost::json::serialize(body);
  r.body.push_back('\n');
  return r;
}

}  // namespace filesd
