// Type detection: which processor reads a file, from its content (libmagic on the first 64 KiB) together
// with the extension of its name.
//
// Rules, in order:
//  1. Content recognised as a specific format (PDF, PNG/JPEG/GIF/WEBP/TIFF/BMP, xlsx, xls) decides.
//     A ZIP or OLE2 container decides only with a matching extension (.xlsx / .xls); else it is binary.
//  2. Text content (text/*, JSON, CSV, empty) is a csv, json or text file: the extension chooses among
//     those (.csv/.tsv, .json/.jsonl/.ndjson, others text); without one of them libmagic's answer does
//     (application/json, text/csv, else text).
//  3. Content libmagic cannot identify (application/octet-stream) with the extension of a binary format
//     (.pdf, an image, .xlsx, .xls) goes to that format's processor, which refuses it if it is not one.
//  4. Everything else is binary.
// The metadata reports how: "detected_by" is "content+extension" when both agree, "content" when the
// content decided alone (no extension, or an extension of another kind), "extension" under rule 3; and
// "extension_mismatch" is true when the extension names a known kind other than the one chosen (a PNG
// named .pdf, a text file named .xlsx, random bytes named .csv).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "process/byte_source.h"

namespace filesd::process {

enum class FileKind { kCsv, kExcel, kPdf, kImage, kJson, kText, kBinary };

// "csv", "excel", "pdf", "image", "json", "text", "binary" (metadata.type).
std::string_view FileKindName(FileKind kind);

struct SniffResult {
  FileKind kind = FileKind::kBinary;
  std::string content_mime;  // What libmagic said about the content.
  std::string detected_by;   // "content", "extension" or "content+extension".
  bool extension_mismatch = false;
  bool jsonl = false;  // JSON Lines by extension (.jsonl, .ndjson).
  bool xls = false;    // Excel 97-2003 (BIFF) rather than xlsx.
};

// The lower-case extension of a file name without the dot ("data.CSV" -> "csv"); empty when none.
std::string ExtensionOf(std::string_view filename);

// The decision of the rules above, from libmagic's MIME type and the extension. Pure; for tests.
SniffResult DecideKind(std::string_view content_mime, std::string_view extension);

// libmagic's MIME type of `head` ("application/octet-stream" when it cannot say). kInternal when the
// magic database cannot be loaded. Thread-safe (one libmagic handle per call).
Result<std::string> MagicMimeType(std::string_view head);

// Reads the head of `src` and decides its kind.
Result<SniffResult> Sniff(ByteSource& src, std::string_view filename);

}  // namespace filesd::process
