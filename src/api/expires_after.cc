#include "api/expires_after.h"

#include <boost/json.hpp>
#include <charconv>

namespace filesd {
namespace {

bool InRange(int64_t seconds) {
  return seconds >= kMinExpiresAfterSeconds && seconds <= kMaxExpiresAfterSeconds;
}

Status Invalid(std::string param) {
  return InvalidArgument(
             "expires_after must be {\"anchor\":\"created_at\",\"seconds\":N} with N an "
             "integer from 3600 to 2592000")
      .WithParam(std::move(param));
}

}  // namespace

Result<int64_t> ExpiresAfterSeconds(const boost::json::value& v) {
  const boost::json::value* seconds = &v;
  if (const boost::json::object* o = v.if_object()) {
    const boost::json::value* anchor = o->if_contains("anchor");
    if (anchor != nullptr && !(anchor->is_string() && anchor->as_string() == "created_at")) {
      return Invalid("expires_after");
    }
    seconds = o->if_contains("seconds");
  }
  if (seconds == nullptr || !seconds->is_int64() || !InRange(seconds->as_int64())) {
    return Invalid("expires_after");
  }
  return seconds->as_int64();
}

Result<int64_t> ExpiresAfterSecondsFromForm(const std::optional<std::string>& anchor,
                                            const std::optional<std::string>& seconds) {
  if (anchor.value_or("created_at") != "created_at") return Invalid("expires_after[anchor]");
  const std::string s = seconds.value_or("");
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !InRange(n)) {
    return Invalid("expires_after[seconds]");
  }
  return n;
}

}  // namespace filesd
