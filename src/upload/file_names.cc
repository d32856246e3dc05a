#include "upload/file_names.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <utility>

namespace filesd {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t min;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) { n = 2; min = 0x80; }
  else if ((c & 0xf0) == 0xe0) { n = 3; min = 0x800; }
  else if ((c & 0xf8) == 0xf0) { n = 4; min = 0x10000; }
  else return 0;
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0xff >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

std::string MediaTypeForFilename(std::string_view filename) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kTypes = {{
      {"pdf", "application/pdf"}, {"csv", "text/csv"}, {"tsv", "text/tab-separated-values"},
      {"json", "application/json"}, {"jsonl", "application/jsonl"}, {"ndjson", "application/jsonl"},
      {"txt", "text/plain"}, {"md", "text/markdown"}, {"html", "text/html"}, {"htm", "text/html"},
      {"xml", "application/xml"}, {"png", "image/png"}, {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"}, {"gif", "image/gif"}, {"webp", "image/webp"}, {"tif", "image/tiff"},
      {"tiff", "image/tiff"}, {"bmp", "image/bmp"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"xls", "application/vnd.ms-excel"}, {"zip", "application/zip"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"mp3", "audio/mpeg"},
  }};
  const size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == filename.size()) return "application/octet-stream";
  std::string ext(filename.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return std::string(type);
  }
  return "application/octet-stream";
}

Status ValidateFilename(std::string_view filename, std::string_view field) {
  const std::string f(field);
  if (filename.empty()) return InvalidArgument(f + " is required").WithParam(f);
  if (filename.size() > 255) return InvalidArgument(f + " is longer than 255 bytes").WithParam(f);
  for (size_t i = 0; i < filename.size();) {
    const auto c = static_cast<unsigned char>(filename[i]);
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgument(f + " contains a control character").WithParam(f);
    }
    if (c == '/') {
      return InvalidArgument(f + " must not contain a path separator").WithParam(f);
    }
    const size_t n = Utf8SequenceLength(filename, i);
    if (n == 0) return InvalidArgument(f + " is not valid UTF-8").WithParam(f);
    i += n;
  }
  return Status::Ok();
}

std::string_view BaseName(std::string_view filename) {
  const size_t slash = filename.rfind('/');
  return slash == std::string_view::npos ? filename : filename.substr(slash + 1);
}

}  // namespace filesd
