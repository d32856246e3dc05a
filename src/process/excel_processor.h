// The "excel" processor: xlsx (libzip + expat, streaming) and xls (freexl).
//
// metadata: {"type":"excel","format":"xlsx"|"xls","sheet_count":N,"sheets":[{"name":..,"row_count":N,
//            "column_count":N,"columns":[{"name","type","null_count"}],"preview":[[..]]}]}
// Each sheet is described like a CSV file (table_stats.h): the table starts at its first non-empty row,
// header detection on that row, data rows counted up to the last non-empty row (empty rows between
// count as rows of nulls), types from the cells' own types (numbers integer or float, booleans, dates
// and datetimes from date number formats; text is string, whatever it looks like). Cells show as:
// numbers in shortest form ("3", "2.25"), booleans "true"/"false", dates "YYYY-MM-DD", datetimes
// "YYYY-MM-DD HH:MM:SS"; times of day stay numbers (xlsx) or "HH:MM:SS" strings (xls). Preview rows
// are padded with "" to the column count.
// xlsx is read through a random-access ZIP reader over the ByteSource: no temporary file, and each
// entry streams through expat. An entry whose declared or actual uncompressed size would take the total
// past max_decompressed_bytes is refused (zip bomb) without expanding it.
// text: each sheet as CSV under a line "# Sheet: <name>", cut at max_text_bytes.
// Pieces: xlsx_reader.h (over zip_archive.h and xml_reader.h), xls_reader.h, and excel_sheet.h (the
// sheet summary both readers build); this processor picks the reader and writes the output.
#pragma once

#include "process/processor.h"

namespace filesd::process {

class ExcelProcessor final : public Processor {
 public:
  // `xls`: the content is Excel 97-2003 (BIFF, read with freexl, which needs src.file_path()).
  explicit ExcelProcessor(bool xls) : xls_(xls) {}
  std::string_view type() const override { return "excel"; }
  Result<ProcessOutput> Process(ByteSource& src, const ProcessLimits& limits) override;

 private:
  bool xls_;
};

}  // namespace filesd::process
