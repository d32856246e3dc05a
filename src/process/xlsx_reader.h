// Reads an xlsx workbook (Office Open XML) into sheet summaries (excel_sheet.h).
//
// The workbook is read through a random-access ZIP reader over the ByteSource (zip_archive.h): no
// temporary file; each part streams through expat (xml_reader.h). Parts read: xl/workbook.xml
// (sheets, date1904), xl/_rels/workbook.xml.rels (where each sheet is), xl/styles.xml (which number
// formats are dates) and xl/sharedStrings.xml when present, then every sheet in workbook order.
// Cells: numbers in shortest form, booleans "true"/"false", numbers in a date format as
// "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" (times of day stay numbers), text and errors as text; a
// cell's text is cut at 32 KiB.
//
// Limits: decompressed bytes at most limits.max_decompressed_bytes over all parts (zip bombs are
// refused without expanding them), shared strings at most 256 MiB, at most limits.max_columns
// columns with a value: beyond, LimitExceeded (processor.h). A damaged archive, missing part or
// malformed XML is InvalidFile. Threading: one thread; `text` gets each sheet as CSV.
#pragma once

#include <vector>

#include "base/status.h"
#include "process/byte_source.h"
#include "process/excel_sheet.h"
#include "process/processor.h"
#include "process/text_decode.h"

namespace filesd::process {

Result<std::vector<SheetSummary>> ReadXlsx(ByteSource& src, const ProcessLimits& limits,
                                           TextCapture* text);

}  // namespace filesd::process
