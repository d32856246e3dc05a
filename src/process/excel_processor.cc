#include "process/excel_processor.h"

#include <expat.h>
#include <freexl.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>

#include "process/json_writer.h"
#include "process/table_stats.h"
#include "process/text_decode.h"

namespace filesd::process {

namespace {

constexpr size_t kPreviewRows = 5;
constexpr size_t kPreviewCellBytes = 1024;
constexpr size_t kMaxCellBytes = 32 * 1024;  // Excel's own limit is 32,767 characters.
constexpr uint64_t kMaxSharedStringBytes = uint64_t{256} << 20;
constexpr size_t kReadBytes = 64 * 1024;

// ------------------------------------------------------------------------------------------------
// Sheet statistics, fed one row of typed cells at a time (the same rules as CSV, table_stats.h).

struct Cell {
  std::string text;   // As displayed: numbers, ISO dates, "true"/"false".
  uint8_t kinds = 0;  // The types the value fits (0: string).
  bool is_null = true;
};

struct SheetSummary {
  std::string name;
  uint64_t row_count = 0;
  std::vector<TableColumn> columns;
  std::vector<std::vector<std::string>> preview;
};

class SheetBuilder {
 public:
  SheetBuilder(std::string name, size_t max_columns, TextCapture* text)
      : name_(std::move(name)), max_columns_(max_columns), text_(text) {
    text_->Feed("# Sheet: " + name_ + "\n");
  }

  // Adds the row at 0-based `index` (rows come in increasing order; the rows skipped are empty).
  Status AddRow(uint64_t index, std::vector<Cell>& cells) {
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

  SheetSummary Finish() {
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

 private:
  void AddEmptyRows(uint64_t count) {
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

// ------------------------------------------------------------------------------------------------
// Values.

std::string FormatNumber(double v) {
  char buf[40];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.15g", v);
  }
  return buf;
}

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
// XML with expat: element callbacks by local name, character data, no DTD (so no entity expansion).

class XmlReader {
 public:
  using StartFn = std::function<void(std::string_view name, const char** attrs)>;
  using EndFn = std::function<void(std::string_view name)>;
  using TextFn = std::function<void(std::string_view text)>;

  XmlReader(StartFn start, EndFn end, TextFn text)
      : start_(std::move(start)),
        end_(std::move(end)),
        text_(std::move(text)),
        parser_(XML_ParserCreate(nullptr)) {
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &XmlReader::OnStart, &XmlReader::OnEnd);
    XML_SetCharacterDataHandler(parser_, &XmlReader::OnText);
    XML_SetStartDoctypeDeclHandler(parser_, &XmlReader::OnDoctype);
  }
  ~XmlReader() { XML_ParserFree(parser_); }
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  // Parses the next bytes; false when the XML is malformed (or has a DTD).
  bool Feed(std::string_view data, bool final) {
    if (failed_) return false;
    if (XML_Parse(parser_, data.data(), static_cast<int>(data.size()), final ? 1 : 0) != XML_STATUS_OK)
      failed_ = true;
    return !failed_;
  }
  void Stop() {
    failed_ = true;
    XML_StopParser(parser_, XML_FALSE);
  }

  static const char* Attr(const char** attrs, std::string_view name) {
    for (int i = 0; attrs[i] != nullptr; i += 2) {
      if (LocalName(attrs[i]) == name) return attrs[i + 1];
    }
    return nullptr;
  }
  static std::string_view LocalName(const char* qname) {
    std::string_view n(qname);
    const size_t colon = n.find(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
  }

 private:
  static void OnStart(void* self, const XML_Char* name, const XML_Char** attrs) {
    static_cast<XmlReader*>(self)->start_(LocalName(name), attrs);
  }
  static void OnEnd(void* self, const XML_Char* name) {
    static_cast<XmlReader*>(self)->end_(LocalName(name));
  }
  static void OnText(void* self, const XML_Char* s, int len) {
    static_cast<XmlReader*>(self)->text_(std::string_view(s, static_cast<size_t>(len)));
  }
  static void OnDoctype(void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<XmlReader*>(self)->Stop();
  }

  StartFn start_;
  EndFn end_;
  TextFn text_;
  XML_Parser parser_;
  bool failed_ = false;
};

// ------------------------------------------------------------------------------------------------
// ZIP over a ByteSource, with a budget of decompressed bytes.

struct ZipSourceState {
  ByteSource* src;
  uint64_t offset = 0;
  zip_error_t error;
};

zip_int64_t ZipSourceCallback(void* userdata, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* s = static_cast<ZipSourceState*>(userdata);
  switch (cmd) {
    case ZIP_SOURCE_OPEN:
      s->offset = 0;
      return 0;
    case ZIP_SOURCE_READ: {
      const uint64_t size = s->src->size_bytes();
      if (s->offset >= size) return 0;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(len, size - s->offset));
      Result<size_t> got = s->src->ReadAt(s->offset, std::span<char>(static_cast<char*>(data), n));
      if (!got.ok()) {
        zip_error_set(&s->error, ZIP_ER_READ, EIO);
        return -1;
      }
      s->offset += *got;
      return static_cast<zip_int64_t>(*got);
    }
    case ZIP_SOURCE_CLOSE:
      return 0;
    case ZIP_SOURCE_STAT: {
      auto* st = static_cast<zip_stat_t*>(data);
      zip_stat_init(st);
      st->size = s->src->size_bytes();
      st->valid |= ZIP_STAT_SIZE;
      return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR:
      return zip_error_to_data(&s->error, data, len);
    case ZIP_SOURCE_FREE:
      return 0;
    case ZIP_SOURCE_SEEK: {
      zip_int64_t off = zip_source_seek_compute_offset(s->offset, s->src->size_bytes(), data, len, &s->error);
      if (off < 0) return -1;
      s->offset = static_cast<uint64_t>(off);
      return 0;
    }
    case ZIP_SOURCE_TELL:
      return static_cast<zip_int64_t>(s->offset);
    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                            ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS, -1);
    default:
      zip_error_set(&s->error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
  }
}

class ZipArchive {
 public:
  static Result<std::unique_ptr<ZipArchive>> Open(ByteSource& src, uint64_t budget) {
    auto archive = std::unique_ptr<ZipArchive>(new ZipArchive(budget));
    archive->state_.src = &src;
    zip_error_init(&archive->state_.error);
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_function_create(&ZipSourceCallback, &archive->state_, &error);
    if (source == nullptr) {
      zip_error_fini(&error);
      return Internal("cannot read the workbook");
    }
    archive->zip_ = zip_open_from_source(source, ZIP_RDONLY, &error);
    zip_error_fini(&error);
    if (archive->zip_ == nullptr) {
      zip_source_free(source);
      return InvalidFile("the file is not a valid xlsx workbook (its ZIP structure is damaged)");
    }
    return archive;
  }
  ~ZipArchive() {
    if (zip_ != nullptr) zip_discard(zip_);
    zip_error_fini(&state_.error);
  }

  bool Has(const std::string& name) const { return zip_name_locate(zip_, name.c_str(), ZIP_FL_NOCASE) >= 0; }

  // Streams the entry through `xml`. Refuses an entry whose declared or actual size would pass the
  // budget of decompressed bytes.
  Status Parse(const std::string& name, XmlReader& xml) {
    const zip_int64_t index = zip_name_locate(zip_, name.c_str(), ZIP_FL_NOCASE);
    if (index < 0) return InvalidFile("the workbook lacks " + name);
    zip_stat_t st;
    if (zip_stat_index(zip_, static_cast<zip_uint64_t>(index), 0, &st) != 0)
      return InvalidFile("the workbook is damaged");
    if ((st.valid & ZIP_STAT_SIZE) && st.size > budget_) return BombError();
    zip_file_t* file = zip_fopen_index(zip_, static_cast<zip_uint64_t>(index), 0);
    if (file == nullptr) return InvalidFile("the workbook is damaged (" + name + " cannot be read)");
    std::unique_ptr<char[]> buf(new char[kReadBytes]);
    Status status;
    while (true) {
      const zip_int64_t n = zip_fread(file, buf.get(), kReadBytes);
      if (n < 0) {
        status = InvalidFile("the workbook is damaged (" + name + " cannot be read)");
        break;
      }
      if (static_cast<uint64_t>(n) > budget_) {
        status = BombError();
        break;
      }
      budget_ -= static_cast<uint64_t>(n);
      if (!xml.Feed(std::string_view(buf.get(), static_cast<size_t>(n)), n == 0)) {
        status =
            stop_status_.ok() ? InvalidFile("the workbook's XML is malformed (" + name + ")") : stop_status_;
        break;
      }
      if (n == 0) break;
    }
    zip_fclose(file);
    return status;
  }

  // Lets an XML callback end the parse with a status (a limit hit inside a sheet).
  void set_stop_status(Status s) { stop_status_ = std::move(s); }

 private:
  explicit ZipArchive(uint64_t budget) : budget_(budget), limit_(budget) {}
  Status BombError() const {
    return LimitExceeded("the workbook expands to more than " + FormatCount(limit_ >> 20) +
                         " MiB when decompressed (a zip bomb?)");
  }

  ZipSourceState state_{};
  zip_t* zip_ = nullptr;
  uint64_t budget_;
  uint64_t limit_;
  Status stop_status_;
};

// ------------------------------------------------------------------------------------------------
// xlsx.

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
    FILESD_RETURN_IF_ERROR(zip_->Parse("xl/workbook.xml", xml));
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
    FILESD_RETURN_IF_ERROR(zip_->Parse("xl/_rels/workbook.xml.rels", xml));
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
    return zip_->Parse("xl/styles.xml", xml);
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
              zip_->set_stop_status(limit);
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
    Status st = zip_->Parse("xl/sharedStrings.xml", xml);
    zip_->set_stop_status(Status::Ok());
    return st;
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
      zip_->set_stop_status(error);
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
    Status st = zip_->Parse(ref.path, xml);
    zip_->set_stop_status(Status::Ok());
    if (!st.ok()) return st;
    return builder.Finish();
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
};

// ------------------------------------------------------------------------------------------------
// xls (BIFF) with freexl.

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

}  // namespace

Result<ProcessOutput> ExcelProcessor::Process(ByteSource& src, const ProcessLimits& limits) {
  TextCapture text(limits.max_text_bytes);
  std::vector<SheetSummary> sheets;
  if (xls_) {
    const std::string path(src.file_path());
    if (path.empty()) return InvalidArgument("the xls reader needs a file path");
    FILESD_ASSIGN_OR_RETURN(sheets, ReadXls(path, limits, &text));
  } else {
    XlsxReader reader(src, limits, &text);
    FILESD_ASSIGN_OR_RETURN(sheets, reader.Read());
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
