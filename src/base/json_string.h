// JSON string literals written exactly as boost::json::serialize() writes them, for the code that
// renders JSON text straight into a buffer (api/file_json.h, net/access_log.h) and must produce the
// same bytes as the Boost.JSON forms it stands beside.
#pragma once

#include <string>
#include <string_view>

namespace filesd {

// Appends `s` quoted: '"' and '\' escaped, control characters as \b \t \n \f \r or \u00xx (lowercase
// hex), every other byte as is (no UTF-8 validation, as Boost.JSON's serializer). Pure.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace filesd
