// The inner loop of Base64 decoding (standard alphabet, RFC 4648 section 4): whole groups of four
// symbols to three bytes, as fast as the CPU allows. Everything around it (padding, whitespace, JSON
// escapes, limits, errors) is the caller's (Base64ChunkReader).
//
// On x86-64 CPUs with AVX2 (checked at run time) 32 symbols are translated, checked and packed per
// step with the vector method of Muła and Lemire ("Faster Base64 Encoding and Decoding Using AVX2
// Instructions", ACM TOW 2018); elsewhere, and for the tail, a table per symbol. Both paths give the
// same result for every input (tests/unit/parse/base64_symbols_test.cc compares them, and the fuzz
// target fuzz_base64_chunk runs through both).
//
// Thread-safe: no state.
#pragma once

#include <cstddef>
#include <string_view>

namespace filesd {

// Decodes the longest prefix of `in` made of whole groups of four Base64 symbols ('A'-'Z', 'a'-'z',
// '0'-'9', '+', '/'; no '=', no whitespace), at most `max_groups` groups, into `out`, which has room
// for 3 bytes per group decoded. Returns the number of groups decoded: decoding stops before the
// first group holding any other byte, which the caller then handles.
size_t DecodeBase64Groups(std::string_view in, size_t max_groups, char* out);

// The value (0-63) of a Base64 symbol, or -1 for any other byte.
int Base64SymbolValue(char c);

// The same with the table only (no vector path): the reference the vector path is tested against.
size_t DecodeBase64GroupsScalar(std::string_view in, size_t max_groups, char* out);

}  // namespace filesd
