// What the Excel readers (xlsx_reader.h, xls_reader.h) produce and how a sheet is summarised: typed
// cells, fed one row at a time to a SheetBuilder, which applies the CSV rules of table_stats.h (the
// table starts at the first non-empty row, header detection on that row, empty rows between
// non-empty ones count as rows of nulls, types from the cells' own kinds) and writes the sheet's
// text as CSV under a line "# Sheet: <name>".
//
// Threading: a SheetBuilder is used by one thread. Memory: bounded by the preview (5 rows of cells
// cut at 1 KiB), the first row and one ColumnStats per column (at most max_columns).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "process/table_stats.h"
#include "process/text_decode.h"

namespace filesd::process {

struct Cell {
  std::string text;   // As displayed: numbers, ISO dates, "true"/"false".
  uint8_t kinds = 0;  // The types the value fits (0: string).
  bool is_null = true;
};

// A number in shortest form ("3", "2.25"): integer and float kinds when whole (below 1e15), else
// float.
Cell NumberCell(double v);
// Text as it is: string kind (0), null when table_stats.h's IsNullText says so.
Cell TextCell(std::string text);

struct SheetSummary {
  std::string name;
  uint64_t row_count = 0;
  std::vector<TableColumn> columns;
  std::vector<std::vector<std::string>> preview;  // padded with "" to the column count
};

class SheetBuilder {
 public:
  // Writes the sheet's heading into `text` (which must outlive the builder).
  SheetBuilder(std::string name, size_t max_columns, TextCapture* text);

  // Adds the row at 0-based `index` (rows come in increasing order; the rows skipped are empty).
  // Trailing null cells are dropped (`cells` is changed). LimitExceeded (processor.h) when
  // the row has more than max_columns cells.
  Status AddRow(uint64_t index, std::vector<Cell>& cells);

  // The sheet's summary; ends its text. Call once, after the last row.
  SheetSummary Finish();

 private:
  void AddEmptyRows(uint64_t count);

  std::string name_;
  size_t max_columns_;
  TextCapture* text_;
  bool started_ = false;
  uint64_t last_index_ = 0;
  bool have_first_ = false;
  std::vector<FirstRowCell> first_;
  std::vector<ColumnStats> columns_;
  std::vector<std::vector<std::string>> kept_;
  uint64_t data_rows_ = 0;
};

}  // namespace filesd::process
