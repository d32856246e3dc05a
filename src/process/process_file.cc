#include "process/process_file.h"

#include "process/csv_processor.h"
#include "process/excel_processor.h"
#include "process/image_processor.h"
#include "process/json_processor.h"
#include "process/json_writer.h"
#include "process/pdf_processor.h"
#include "process/text_processor.h"

namespace filesd::process {

std::unique_ptr<Processor> NewProcessor(const SniffResult& sniff) {
  switch (sniff.kind) {
    case FileKind::kCsv:
      return std::make_unique<CsvProcessor>();
    case FileKind::kExcel:
      return std::make_unique<ExcelProcessor>(sniff.xls);
    case FileKind::kPdf:
      return std::make_unique<PdfProcessor>();
    case FileKind::kImage:
      return std::make_unique<ImageProcessor>();
    case FileKind::kJson:
      return std::make_unique<JsonProcessor>(sniff.jsonl);
    case FileKind::kText:
      return std::make_unique<TextProcessor>();
    case FileKind::kBinary:
      return nullptr;
  }
  return nullptr;
}

Result<ProcessOutput> ProcessSource(ByteSource& src, std::string_view filename, const ProcessLimits& limits) {
  FILESD_ASSIGN_OR_RETURN(SniffResult sniff, Sniff(src, filename));
  ProcessOutput out;
  if (std::unique_ptr<Processor> processor = NewProcessor(sniff)) {
    FILESD_ASSIGN_OR_RETURN(out, processor->Process(src, limits));
  } else {
    out.type = "binary";
    out.mime_type = sniff.content_mime;
    JsonWriter w;
    w.BeginObject();
    w.Key("type").String("binary");
    w.Key("mime_type").String(sniff.content_mime);
    w.EndObject();
    out.metadata_json = w.Take();
    out.summary =
        "Binary file of " + CountNoun(src.size_bytes(), "byte", "bytes") + " (" + sniff.content_mime + ").";
  }
  JsonWriter fields;
  fields.Key("detected_by").String(sniff.detected_by);
  fields.Key("extension_mismatch").Bool(sniff.extension_mismatch);
  // The writer emitted `"detected_by":..,"extension_mismatch":..` (keys at the top level).
  AppendFieldsToObject(out.metadata_json, fields.str());
  return out;
}

Result<ProcessOutput> ProcessFile(const std::string& path, std::string_view filename,
                                  const ProcessLimits& limits) {
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<FileByteSource> src, FileByteSource::Open(path));
  return ProcessSource(*src, filename, limits);
}

}  // namespace filesd::process
