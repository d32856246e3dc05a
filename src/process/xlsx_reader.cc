#include "process/xlsx_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string_view>

#include "process/json_writer.h"
#include "process/table_stats.h"
#include "process/xml_reader.h"
#include "process/zip_archive.h"

namespace filesd::process {
namespace {

constexpr size_t kMaxCellBytes = 32 * 1024;  // Excel's own limit is 32,767 characters.
constexpr uint64_t kMaxSharedStringBytes = uint64_t{256} << 20;

// ------------------------------------------------------------------------------------------------
// Values: serial dates and number formats.

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yy + (*m <= 2));
}

// An Excel serial date (days since 1899-12-30, or 1904-01-01) as a date or datetime cell.
Cell DateCell(double serial, bool date1904, bool with_time) {
  if (!std::isfinite(serial) || serial < 0 || serial > 2958466) return NumberCell(serial);
  const int64_t day = static_cast<int64_t>(std::floor(serial));
  int64_t seconds = std::llround((serial - static_cast<double>(day)) * 86400.0);
  int64_t days = day + (date1904 ? 24107 : -25569);  // To days since 1970-01-01.
  if (seconds >= 86400) {
    seconds -= 86400;
    ++days;
  }
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  Cell c;
  c.is_null = false;
  if (!with_time && seconds == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
    c.kinds = kKindDate | kKindDateTime;
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", y, m, d, static_cast<int>(seconds / 3600),
                  static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60));
    c.kinds = kKindDateTime;
  }
  c.text = buf;
  return c;
}

// How a number format shows a number.
enum class NumberStyle : uint8_t { kNumber, kDate, kDateTime };

NumberStyle StyleOfFormat(int id, std::string_view code) {
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) || (id >= 50 && id <= 58)) {
    return NumberStyle::kDate;
  }
  if (id == 22) return NumberStyle::kDateTime;
  if (code.empty()) return NumberStyle::kNumber;
  // Custom formats: drop quoted text, escaped characters and [colour]/[$-409] sections, then look for
  // date and time letters.
  bool has_date = false, has_time = false, in_quote = false, in_bracket = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (in_quote) {
      in_quote = c != '"';
      continue;
    }
    if (in_bracket) {
      in_bracket = c != ']';
      continue;
    }
    if (c == '"')
      in_quote = true;
    else if (c == '[')
      in_bracket = true;
    else if (c == '\\' || c == '_' || c == '*')
      ++i;
    else if (c == 'y' || c == 'Y' || c == 'd' || c == 'D')
      has_date = true;
    else if (c == 'h' || c == 'H' || c == 's' || c == 'S')
      has_time = true;
  }
  if (has_date) return has_time ? NumberStyle::kDateTime : NumberStyle::kDate;
  return NumberStyle::kNumber;  // Times of day and plain numbers stay numbers.
}

// ------------------------------------------------------------------------------------------------
// The workbook: its parts, styles, shared strings and sheets.

struct SheetRef {
  std::string name;
  std::string rel_id;
  std::string path;
};

std::string ResolveTarget(std::string_view target) {
  if (!target.empty() && target[0] == '/') return std::string(target.substr(1));
  std::string path = "xl/" + std::string(target);
  // "xl/../x" style targets are rare; a simple normalisation of one level is enough.
  const size_t up = path.find("/../");
  if (up != std::string::npos) {
    const size_t prev = path.rfind('/', up - 1);
    path = path.substr(0, prev == std::string::npos ? 0 : prev + 1) + path.substr(up + 4);
  }
  return path;
}

Result<int> ParseColumn(const char* ref) {
  if (ref == nullptr) return -1;
  int col = 0;
  int letters = 0;
  for (const char* p = ref; *p >= 'A' && *p <= 'Z'; ++p, ++letters) {
    col = col * 26 + (*p - 'A' + 1);
    if (letters > 3) return InvalidFile("the workbook has a malformed cell reference");
  }
  return letters == 0 ? -1 : col - 1;
}

class XlsxReader {
 public:
  XlsxReader(ByteSource& src, const ProcessLimits& limits, TextCapture* text)
      : src_(src), limits_(limits), text_(text) {}

  Result<std::vector<SheetSummary>> Read() {
    FILESD_ASSIGN_OR_RETURN(zip_, ZipArchive::Open(src_, limits_.max_decompressed_bytes));
    FILESD_RETURN_IF_ERROR(ReadWorkbook());
    FILESD_RETURN_IF_ERROR(ReadRelationships());
    if (zip_->Has("xl/styles.xml")) FILESD_RETURN_IF_ERROR(ReadStyles());
    if (zip_->Has("xl/sharedStrings.xml")) FILESD_RETURN_IF_ERROR(ReadSharedStrings());
    std::vector<SheetSummary> out;
    for (const SheetRef& sheet : sheets_) {
      FILESD_ASSIGN_OR_RETURN(SheetSummary s, ReadSheet(sheet));
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  Status ReadWorkbook() {
    XmlReader xml(
        [this](std::string_view name, const char** attrs) {
          if (name == "sheet") {
            const char* n = XmlReader::Attr(attrs, "name");
            const char* id = XmlReader::Attr(attrs, "id");
            sheets_.push_back(SheetRef{n ? n : "", id ? id : "", ""});
          } else if (name == "workbookPr") {
            const char* d = XmlReader::Attr(attrs, "date1904");
            date1904_ = d != nullptr && (std::string_view(d) == "1" || std::string_view(d) == "true");
          }
        },
        [](std::string_view) {}, [](std::string_view) {});
    FILESD_RETURN_IF_ERROR(ParsePart("xl/workbook.xml", xml));
    if (sheets_.empty()) return InvalidFile("the workbook has no sheet");
    return Status::Ok();
  }

  Status ReadRelationships() {
    std::map<std::string, std::string> targets;
    XmlReader xml(
        [&targets](std::string_view name, const char** attrs) {
          if (name != "Relationship") return;
          const char* id = XmlReader::Attr(attrs, "Id");
          const char* target = XmlReader::Attr(attrs, "Target");
          if (id && target) targets[id] = ResolveTarget(target);
        },
        [](std::string_view) {}, [](std::string_view) {});
    FILESD_RETURN_IF_ERROR(ParsePart("xl/_rels/workbook.xml.rels", xml));
    for (SheetRef& s : sheets_) {
      auto it = targets.find(s.rel_id);
      if (it == targets.end()) return InvalidFile("the workbook does not say where sheet " + s.name + " is");
      s.path = it->second;
    }
    return Status::Ok();
  }

  Status ReadStyles() {
    std::map<int, std::string> custom;
    bool in_cell_xfs = false;
    XmlReader xml(
        [&](std::string_view name, const char** attrs) {
          if (name == "numFmt") {
            const char* id = XmlReader::Attr(attrs, "numFmtId");
            const char* code = XmlReader::Attr(attrs, "formatCode");
            if (id && code) custom[std::atoi(id)] = code;
          } else if (name == "cellXfs") {
            in_cell_xfs = true;
          } else if (name == "xf" && in_cell_xfs) {
            const char* id = XmlReader::Attr(attrs, "numFmtId");
            const int fmt = id ? std::atoi(id) : 0;
            auto it = custom.find(fmt);
            styles_.push_back(StyleOfFormat(fmt, it == custom.end() ? "" : it->second));
          }
        },
        [&](std::string_view name) {
          if (name == "cellXfs") in_cell_xfs = false;
        },
        [](std::string_view) {});
    return ParsePart("xl/styles.xml", xml);
  }

  Status ReadSharedStrings() {
    bool in_si = false, in_t = false, in_phonetic = false;
    std::string current;
    uint64_t total = 0;
    Status limit;
    XmlReader* self_xml = nullptr;
    XmlReader xml(
        [&](std::string_view name, const char**) {
          if (name == "si") {
            in_si = true;
            current.clear();
          } else if (name == "rPh") {
            in_phonetic = true;
          } else if (name == "t" && in_si && !in_phonetic) {
            in_t = true;
          }
        },
        [&](std::string_view name) {
          if (name == "si") {
            in_si = false;
            total += current.size() + sizeof(std::string);
            if (total > kMaxSharedStringBytes) {
              limit = LimitExceeded("the workbook's shared strings exceed " +
                                    FormatCount(kMaxSharedStringBytes >> 20) + " MiB");
              stop_status_ = limit;
              self_xml->Stop();
              return;
            }
            strings_.push_back(current);
          } else if (name == "rPh") {
            in_phonetic = false;
          } else if (name == "t") {
            in_t = false;
          }
        },
        [&](std::string_view s) {
          if (in_t && current.size() < kMaxCellBytes)
            current.append(s.substr(0, kMaxCellBytes - current.size()));
        });
    self_xml = &xml;
    return ParsePart("xl/sharedStrings.xml", xml);
  }

  Result<SheetSummary> ReadSheet(const SheetRef& ref) {
    SheetBuilder builder(ref.name, static_cast<size_t>(std::max(1, limits_.max_columns)), text_);
    std::vector<Cell> row;
    uint64_t row_index = 0, next_row = 0;
    int col = 0;
    bool in_value = false, in_inline = false, in_cell = false;
    std::string type, value;
    int style = -1;
    Status error;
    XmlReader* self_xml = nullptr;
    auto fail = [&](Status s) {
      if (!error.ok()) return;
      error = std::move(s);
      stop_status_ = error;
      self_xml->Stop();
    };
    XmlReader xml(
        [&](std::string_view name, const char** attrs) {
          if (name == "row") {
            const char* r = XmlReader::Attr(attrs, "r");
            row_index = r ? std::strtoull(r, nullptr, 10) - 1 : next_row;
            if (r && std::strtoull(r, nullptr, 10) == 0) row_index = next_row;
            next_row = row_index + 1;
            row.clear();
            col = 0;
          } else if (name == "c") {
            in_cell = true;
            Result<int> c = ParseColumn(XmlReader::Attr(attrs, "r"));
            if (!c.ok()) return fail(c.status());
            if (*c >= 0) col = *c;
            const char* t = XmlReader::Attr(attrs, "t");
            type = t ? t : "n";
            const char* s = XmlReader::Attr(attrs, "s");
            style = s ? std::atoi(s) : -1;
            value.clear();
          } else if (name == "v" && in_cell) {
            in_value = true;
          } else if (name == "t" && in_cell && type == "inlineStr") {
            in_inline = true;
          }
        },
        [&](std::string_view name) {
          if (name == "v") {
            in_value = false;
          } else if (name == "t") {
            in_inline = false;
          } else if (name == "c") {
            in_cell = false;
            if (static_cast<size_t>(col) >= static_cast<size_t>(std::max(1, limits_.max_columns))) {
              if (!value.empty())
                return fail(LimitExceeded("a sheet has more than " +
                                          FormatCount(static_cast<uint64_t>(limits_.max_columns)) +
                                          " columns"));
              ++col;
              return;
            }
            if (row.size() <= static_cast<size_t>(col)) row.resize(static_cast<size_t>(col) + 1);
            row[static_cast<size_t>(col)] = MakeCell(type, value, style);
            ++col;
          } else if (name == "row") {
            Status s = builder.AddRow(row_index, row);
            if (!s.ok()) fail(std::move(s));
          }
        },
        [&](std::string_view s) {
          if ((in_value || in_inline) && value.size() < kMaxCellBytes)
            value.append(s.substr(0, kMaxCellBytes - value.size()));
        });
    self_xml = &xml;
    FILESD_RETURN_IF_ERROR(ParsePart(ref.path, xml));
    return builder.Finish();
  }

  // Streams the workbook part `name` through `xml`. A parse that fails returns stop_status_ if a
  // callback set it (then cleared for the next part), else says the XML is malformed.
  Status ParsePart(const std::string& name, XmlReader& xml) {
    Status status = zip_->Stream(name, [&](std::string_view piece, bool final) -> Status {
      if (xml.Feed(piece, final)) return Status::Ok();
      return stop_status_.ok() ? InvalidFile("the workbook's XML is malformed (" + name + ")")
                               : stop_status_;
    });
    stop_status_ = Status::Ok();
    return status;
  }

  Cell MakeCell(const std::string& type, const std::string& value, int style) const {
    if (type == "s") {
      char* end = nullptr;
      const unsigned long index = std::strtoul(value.c_str(), &end, 10);
      if (end == value.c_str() || index >= strings_.size()) return TextCell("");
      return TextCell(strings_[index]);
    }
    if (type == "str" || type == "inlineStr") return TextCell(value);
    if (type == "e") return TextCell(value);
    if (type == "b") {
      if (value.empty()) return Cell();
      Cell c;
      c.is_null = false;
      c.text = value == "1" || value == "true" ? "true" : "false";
      c.kinds = kKindBoolean;
      return c;
    }
    if (type == "d") {  // An ISO 8601 date stored as text.
      Cell c = TextCell(value);
      if (!c.is_null) c.kinds = ClassifyText(value, kKindDate | kKindDateTime);
      return c;
    }
    if (value.empty()) return Cell();
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) return TextCell(value);
    const NumberStyle ns = style >= 0 && static_cast<size_t>(style) < styles_.size()
                               ? styles_[static_cast<size_t>(style)]
                               : NumberStyle::kNumber;
    if (ns == NumberStyle::kNumber) return NumberCell(v);
    return DateCell(v, date1904_, ns == NumberStyle::kDateTime);
  }

  ByteSource& src_;
  const ProcessLimits& limits_;
  TextCapture* text_;
  std::unique_ptr<ZipArchive> zip_;
  std::vector<SheetRef> sheets_;
  std::vector<NumberStyle> styles_;
  std::vector<std::string> strings_;
  bool date1904_ = false;
  Status stop_status_;  // set by an XML callback that stops a parse (a limit hit inside a part)
};

}  // namespace

Result<std::vector<SheetSummary>> ReadXlsx(ByteSource& src, const ProcessLimits& limits,
                                           TextCapture* text) {
  XlsxReader reader(src, limits, text);
  return reader.Read();
}

}  // namespace filesd::process
