#include "process/xls_reader.h"

#include <freexl.h>

#include <algorithm>
#include <memory>

namespace filesd::process {

Result<std::vector<SheetSummary>> ReadXls(const std::string& path, const ProcessLimits& limits,
                                          TextCapture* text) {
  const void* handle = nullptr;
  const int rc = freexl_open(path.c_str(), &handle);
  std::unique_ptr<const void, void (*)(const void*)> guard(handle, [](const void* h) {
    if (h != nullptr) freexl_close(h);
  });
  if (rc != FREEXL_OK) return InvalidFile("the file is not a readable xls workbook");
  unsigned int info = 0;
  if (freexl_get_info(handle, FREEXL_BIFF_PASSWORD, &info) == FREEXL_OK && info == FREEXL_BIFF_OBFUSCATED) {
    return InvalidFile("the xls workbook is protected by a password");
  }
  unsigned int sheet_count = 0;
  if (freexl_get_info(handle, FREEXL_BIFF_SHEET_COUNT, &sheet_count) != FREEXL_OK) {
    return InvalidFile("the file is not a readable xls workbook");
  }
  std::vector<SheetSummary> out;
  for (unsigned int i = 0; i < sheet_count; ++i) {
    const char* name = nullptr;
    if (freexl_get_worksheet_name(handle, static_cast<unsigned short>(i), &name) != FREEXL_OK ||
        freexl_select_active_worksheet(handle, static_cast<unsigned short>(i)) != FREEXL_OK) {
      return InvalidFile("the xls workbook is damaged");
    }
    unsigned int rows = 0;
    unsigned short cols = 0;
    if (freexl_worksheet_dimensions(handle, &rows, &cols) != FREEXL_OK)
      return InvalidFile("the xls workbook is damaged");
    SheetBuilder builder(SanitizeUtf8(name ? name : ""), static_cast<size_t>(std::max(1, limits.max_columns)),
                         text);
    std::vector<Cell> row;
    for (unsigned int r = 0; r < rows; ++r) {
      row.assign(cols, Cell());
      for (unsigned short c = 0; c < cols; ++c) {
        FreeXL_CellValue v;
        if (freexl_get_cell_value(handle, r, c, &v) != FREEXL_OK) continue;
        switch (v.type) {
          case FREEXL_CELL_INT:
            row[c] = NumberCell(v.value.int_value);
            break;
          case FREEXL_CELL_DOUBLE:
            row[c] = NumberCell(v.value.double_value);
            break;
          case FREEXL_CELL_TEXT:
          case FREEXL_CELL_SST_TEXT:
            row[c] = TextCell(SanitizeUtf8(v.value.text_value ? v.value.text_value : ""));
            break;
          case FREEXL_CELL_DATE:
          case FREEXL_CELL_DATETIME: {
            Cell cell = TextCell(v.value.text_value ? v.value.text_value : "");
            cell.kinds = v.type == FREEXL_CELL_DATE ? (kKindDate | kKindDateTime) : kKindDateTime;
            row[c] = std::move(cell);
            break;
          }
          case FREEXL_CELL_TIME:
            row[c] = TextCell(v.value.text_value ? v.value.text_value : "");
            break;
          default:
            break;
        }
      }
      FILESD_RETURN_IF_ERROR(builder.AddRow(r, row));
    }
    out.push_back(builder.Finish());
  }
  return out;
}

}  // namespace filesd::process
