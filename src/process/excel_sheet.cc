#include "process/excel_sheet.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "process/json_writer.h"
#include "process/processor.h"
#include "process/text_decode.h"

namespace filesd::process {
namespace {

constexpr size_t kPreviewRows = 5;
constexpr size_t kPreviewCellBytes = 1024;

std::string FormatNumber(double v) {
  char buf[40];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.15g", v);
  }
  return buf;
}

}  // namespace

Cell NumberCell(double v) {
  Cell c;
  c.is_null = false;
  c.text = FormatNumber(v);
  c.kinds = v == std::floor(v) && std::fabs(v) < 1e15 ? (kKindInteger | kKindFloat) : kKindFloat;
  return c;
}

Cell TextCell(std::string text) {
  Cell c;
  c.is_null = IsNullText(text);
  c.text = std::move(text);
  c.kinds = 0;
  return c;
}

SheetBuilder::SheetBuilder(std::string name, size_t max_columns, TextCapture* text)
    : name_(std::move(name)), max_columns_(max_columns), text_(text) {
  text_->Feed("# Sheet: " + name_ + "\n");
}

Status SheetBuilder::AddRow(uint64_t index, std::vector<Cell>& cells) {
  while (!cells.empty() && cells.back().is_null) cells.pop_back();
  if (cells.empty()) return Status::Ok();  // Empty rows count only between non-empty ones.
  if (cells.size() > max_columns_) {
    return LimitExceeded("a sheet has more than " + FormatCount(max_columns_) + " columns");
  }
  if (started_ && index > last_index_ + 1) AddEmptyRows(index - last_index_ - 1);
  started_ = true;
  last_index_ = index;
  std::vector<std::string> csv;
  for (const Cell& c : cells) csv.push_back(c.text);
  if (!text_->full()) {
    std::string line;
    AppendCsvRecord(line, csv);
    text_->Feed(line);
  }
  if (!have_first_) {
    have_first_ = true;
    for (const Cell& c : cells) {
      FirstRowCell f;
      f.value = c.text.substr(0, kPreviewCellBytes);
      f.is_null = c.is_null;
      f.kinds = c.kinds;
      first_.push_back(std::move(f));
    }
    return Status::Ok();
  }
  if (cells.size() > columns_.size()) {
    ColumnStats fresh;
    fresh.null_count = data_rows_;
    columns_.resize(cells.size(), fresh);
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i >= cells.size() || cells[i].is_null) {
      columns_[i].AddNull();
    } else {
      columns_[i].Add(cells[i].kinds);
    }
  }
  if (kept_.size() < kPreviewRows) {
    std::vector<std::string> row;
    for (const Cell& c : cells) row.push_back(std::string(TruncateUtf8(c.text, kPreviewCellBytes)));
    kept_.push_back(std::move(row));
  }
  ++data_rows_;
  return Status::Ok();
}

SheetSummary SheetBuilder::Finish() {
  text_->Feed("\n");
  SheetSummary s;
  s.name = name_;
  if (!have_first_) return s;
  const size_t width = std::max(first_.size(), columns_.size());
  std::vector<ColumnStats> data = columns_;
  ColumnStats fresh;
  fresh.null_count = data_rows_;
  data.resize(width, fresh);
  const bool header = DecideHeader(first_, data);
  if (!header) {
    for (size_t i = 0; i < width; ++i) {
      if (i >= first_.size() || first_[i].is_null) {
        data[i].AddNull();
      } else {
        data[i].Add(first_[i].kinds);
      }
    }
  }
  s.row_count = data_rows_ + (header ? 0 : 1);
  for (size_t i = 0; i < width; ++i) {
    TableColumn col;
    col.name =
        header && i < first_.size() && !first_[i].value.empty() ? first_[i].value : DefaultColumnName(i);
    col.type = data[i].TypeName();
    col.null_count = data[i].null_count;
    s.columns.push_back(std::move(col));
  }
  if (!header) {
    std::vector<std::string> row;
    for (const FirstRowCell& c : first_) row.push_back(c.value);
    s.preview.push_back(std::move(row));
  }
  for (auto& row : kept_) {
    if (s.preview.size() >= kPreviewRows) break;
    s.preview.push_back(std::move(row));
  }
  for (auto& row : s.preview) row.resize(width);  // A sheet is rectangular: empty cells are "".
  return s;
}

void SheetBuilder::AddEmptyRows(uint64_t count) {
  uint64_t rows_for_stats = count;
  if (!have_first_) return;
  for (ColumnStats& c : columns_) c.null_count += rows_for_stats;
  for (uint64_t i = 0; i < count && !text_->full(); ++i) text_->Feed("\n");
  while (kept_.size() < kPreviewRows && count > 0) {
    kept_.emplace_back();
    --count;
  }
  data_rows_ += rows_for_stats;
}

}  // namespace filesd::process
