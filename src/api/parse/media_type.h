// Media types as a Content-Type header carries them (RFC 9110 section 8.3.1), and the one
// comparison a signed upload URL bound to a type applies to the Content-Type of its PUT.
//
//   media-type      = type "/" subtype parameters
//   type, subtype   = token
//   parameters      = *( OWS ";" OWS [ parameter ] )
//   parameter       = parameter-name "=" parameter-value
//   parameter-value = token / quoted-string
//
// Pure functions over their arguments; no allocation beyond the result.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace filesd {

struct MediaTypeParameter {
  std::string name;   // lower-cased (names are case-insensitive)
  std::string value;  // as sent, a quoted-string unquoted and its quoted-pairs resolved
};

struct MediaType {
  std::string type;     // lower-cased, e.g. "text"
  std::string subtype;  // lower-cased, e.g. "csv"
  std::vector<MediaTypeParameter> parameters;  // in the order sent, duplicates kept
};

// Parses a Content-Type value. Whitespace is allowed around the whole value and around ';' (OWS),
// not around '/' or '=' (the grammar has none there). Empty parameters (";;", a trailing ';') are
// skipped. nullopt for anything else: a missing subtype, a non-token character, an unterminated
// quoted-string, a parameter without '=' or value.
std::optional<MediaType> ParseMediaType(std::string_view value);

// Whether a PUT whose Content-Type is `sent` satisfies a URL bound to `bound`:
//  * both parse, with the same type and subtype (case-insensitive: "TEXT/CSV" is text/csv);
//  * each parameter of `bound` is present in `sent`, every occurrence with an equal value (the
//    `charset` value case-insensitively, others exactly; quoted or not is the same value).
// Parameters `sent` has and `bound` lacks do not matter: a URL bound to `text/csv` accepts
// `text/csv; charset=utf-8`, one bound to `text/csv; charset=utf-8` refuses plain `text/csv`.
// A `bound` that does not parse is satisfied only by the same text (ASCII case-insensitive,
// surrounding whitespace ignored).
bool MediaTypeSatisfies(std::string_view bound, std::string_view sent);

}  // namespace filesd
