#include "process/excel_processor.h"

#include <string>
#include <vector>

#include "process/excel_sheet.h"
#include "process/json_writer.h"
#include "process/table_stats.h"
#include "process/text_decode.h"
#include "process/xls_reader.h"
#include "process/xlsx_reader.h"

namespace filesd::process {

Result<ProcessOutput> ExcelProcessor::Process(ByteSource& src, const ProcessLimits& limits) {
  TextCapture text(limits.max_text_bytes);
  std::vector<SheetSummary> sheets;
  if (xls_) {
    const std::string path(src.file_path());
    if (path.empty()) return InvalidArgument("the xls reader needs a file path");
    FILESD_ASSIGN_OR_RETURN(sheets, ReadXls(path, limits, &text));
  } else {
    FILESD_ASSIGN_OR_RETURN(sheets, ReadXlsx(src, limits, &text));
  }

  ProcessOutput out;
  out.type = "excel";
  out.mime_type =
      xls_ ? "application/vnd.ms-excel" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("excel");
  w.Key("format").String(xls_ ? "xls" : "xlsx");
  w.Key("sheet_count").Uint(sheets.size());
  w.Key("sheets").BeginArray();
  for (const SheetSummary& s : sheets) {
    w.BeginObject();
    w.Key("name").String(s.name);
    w.Key("row_count").Uint(s.row_count);
    w.Key("column_count").Uint(s.columns.size());
    w.Key("columns");
    WriteColumns(w, s.columns);
    w.Key("preview");
    WriteRows(w, s.preview);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out.metadata_json = w.Take();

  out.summary = std::string("Excel workbook (") + (xls_ ? "xls" : "xlsx") + ") with " +
                CountNoun(sheets.size(), "sheet", "sheets");
  for (size_t i = 0; i < sheets.size() && i < 10; ++i) {
    out.summary += i == 0 ? ": " : "; ";
    out.summary += sheets[i].name + " (" + CountNoun(sheets[i].row_count, "row", "rows") + ", " +
                   CountNoun(sheets[i].columns.size(), "column", "columns") + ")";
  }
  if (sheets.size() > 10) out.summary += "; and " + FormatCount(sheets.size() - 10) + " more";
  out.summary += ".";
  if (!sheets.empty() && !sheets[0].columns.empty()) {
    out.summary += " " + sheets[0].name + " has " + DescribeColumns(sheets[0].columns, 8) + ".";
  }
  out.text = text.Finish(false);
  return out;
}

}  // namespace filesd::process
