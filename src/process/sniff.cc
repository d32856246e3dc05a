#include "process/sniff.h"

#include <magic.h>

#include <optional>

namespace filesd::process {

namespace {

constexpr size_t kSniffBytes = 64 * 1024;

// What an extension claims.
struct ExtensionClaim {
  FileKind kind;
  bool jsonl = false;
  bool xls = false;
};

std::optional<ExtensionClaim> ClaimOf(std::string_view ext) {
  if (ext == "csv" || ext == "tsv") return ExtensionClaim{FileKind::kCsv};
  if (ext == "xlsx" || ext == "xlsm") return ExtensionClaim{FileKind::kExcel};
  if (ext == "xls") return ExtensionClaim{FileKind::kExcel, false, true};
  if (ext == "pdf") return ExtensionClaim{FileKind::kPdf};
  if (ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "gif" || ext == "webp" || ext == "tif" ||
      ext == "tiff" || ext == "bmp") {
    return ExtensionClaim{FileKind::kImage};
  }
  if (ext == "json") return ExtensionClaim{FileKind::kJson};
  if (ext == "jsonl" || ext == "ndjson") return ExtensionClaim{FileKind::kJson, true};
  if (ext == "txt" || ext == "text" || ext == "md" || ext == "markdown" || ext == "log" || ext == "rst") {
    return ExtensionClaim{FileKind::kText};
  }
  return std::nullopt;
}

bool IsTextKind(FileKind k) { return k == FileKind::kCsv || k == FileKind::kJson || k == FileKind::kText; }

}  // namespace

std::string_view FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kCsv:
      return "csv";
    case FileKind::kExcel:
      return "excel";
    case FileKind::kPdf:
      return "pdf";
    case FileKind::kImage:
      return "image";
    case FileKind::kJson:
      return "json";
    case FileKind::kText:
      return "text";
    case FileKind::kBinary:
      return "binary";
  }
  return "binary";
}

std::string ExtensionOf(std::string_view filename) {
  const size_t slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  const size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == filename.size()) return "";
  std::string ext(filename.substr(dot + 1));
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return ext;
}

SniffResult DecideKind(std::string_view mime, std::string_view extension) {
  SniffResult r;
  r.content_mime = std::string(mime);
  const std::optional<ExtensionClaim> claim = ClaimOf(extension);

  // What the content alone says.
  std::optional<FileKind> specific;
  bool content_xls = false;
  if (mime == "application/pdf") {
    specific = FileKind::kPdf;
  } else if (mime == "image/png" || mime == "image/jpeg" || mime == "image/gif" || mime == "image/webp" ||
             mime == "image/tiff" || mime == "image/bmp" || mime == "image/x-ms-bmp") {
    specific = FileKind::kImage;
  } else if (mime == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
    specific = FileKind::kExcel;
  } else if (mime == "application/vnd.ms-excel") {
    specific = FileKind::kExcel;
    content_xls = true;
  }
  const bool zip = mime == "application/zip";
  const bool ole = mime == "application/x-ole-storage" || mime == "application/CDFV2" ||
                   mime == "application/vnd.ms-office";
  const bool textual = mime.substr(0, 5) == "text/" || mime == "application/json" ||
                       mime == "application/x-ndjson" || mime == "application/x-empty" ||
                       mime == "inode/x-empty" || mime == "application/csv";

  auto decide = [&](FileKind kind, std::string_view by) {
    r.kind = kind;
    r.detected_by = std::string(by);
    r.extension_mismatch = claim.has_value() && claim->kind != kind;
  };

  if (specific) {
    decide(*specific, claim && claim->kind == *specific ? "content+extension" : "content");
    r.xls = content_xls || (*specific == FileKind::kExcel && claim && claim->xls);
    if (*specific == FileKind::kExcel && mime != "application/vnd.ms-excel") r.xls = false;
    return r;
  }
  if ((zip && claim && claim->kind == FileKind::kExcel && !claim->xls) ||
      (ole && claim && claim->kind == FileKind::kExcel && claim->xls)) {
    decide(FileKind::kExcel, "content+extension");
    r.xls = ole;
    return r;
  }
  if (textual) {
    if (claim && IsTextKind(claim->kind)) {
      decide(claim->kind, "content+extension");
      r.jsonl = claim->jsonl;
      return r;
    }
    FileKind kind = FileKind::kText;
    if (mime == "application/json") kind = FileKind::kJson;
    if (mime == "application/x-ndjson") {
      kind = FileKind::kJson;
      r.jsonl = true;
    }
    if (mime == "text/csv" || mime == "application/csv") kind = FileKind::kCsv;
    decide(kind, "content");
    return r;
  }
  // Content of no kind filesd reads (libmagic says octet-stream, or some other type; on random
  // bytes it may match a weak signature by chance) named as a PDF, an image or a spreadsheet: the
  // name decides, so that content which is not what it claims ends in that reader's clear error.
  if (!zip && !ole && claim && !IsTextKind(claim->kind)) {
    decide(claim->kind, "extension");
    r.xls = claim->xls;
    return r;
  }
  decide(FileKind::kBinary, "content");
  return r;
}

Result<std::string> MagicMimeType(std::string_view head) {
  // No decompression or other deep checks: libmagic only looks at the bytes it is given.
  magic_t cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF);
  if (cookie == nullptr) return Internal("cannot start libmagic");
  if (magic_load(cookie, nullptr) != 0) {
    magic_close(cookie);
    return Internal("cannot load the libmagic database");
  }
  const char* mime = magic_buffer(cookie, head.data(), head.size());
  std::string out = mime != nullptr ? mime : "application/octet-stream";
  magic_close(cookie);
  return out;
}

Result<SniffResult> Sniff(ByteSource& src, std::string_view filename) {
  FILESD_ASSIGN_OR_RETURN(std::string head, ReadHead(src, kSniffBytes));
  FILESD_ASSIGN_OR_RETURN(std::string mime, MagicMimeType(head));
  return DecideKind(mime, ExtensionOf(filename));
}

}  // namespace filesd::process
