// Reads an xls workbook (Excel 97-2003, BIFF) into sheet summaries (excel_sheet.h), with freexl.
//
// freexl reads a file by path, so the content must be a file (ByteSource::file_path()). Cells:
// numbers in shortest form, text as text, dates and datetimes as freexl formats them (typed date /
// datetime), times of day as "HH:MM:SS" strings. A file freexl cannot open, a damaged sheet or a
// password-protected workbook is InvalidFile; more than limits.max_columns columns in a row is
// LimitExceeded (processor.h). Threading: one thread; `text` gets each sheet as CSV.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "process/excel_sheet.h"
#include "process/processor.h"
#include "process/text_decode.h"

namespace filesd::process {

Result<std::vector<SheetSummary>> ReadXls(const std::string& path, const ProcessLimits& limits,
                                          TextCapture* text);

}  // namespace filesd::process
