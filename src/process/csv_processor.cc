#include "process/csv_processor.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>

#include "process/json_writer.h"
#include "process/text_decode.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace filesd::process {

namespace {

constexpr size_t kReadChunkBytes = 1 << 20;
constexpr size_t kSniffBytes = 64 * 1024;
constexpr size_t kKeptRecords = 1 + kCsvPreviewRows;

// Yields the structural bytes of a chunk (delimiter, quote, CR, LF) in order, finding them a 64-byte
// block at a time: one bitmask per block, then each byte found costs a count-trailing-zeros. This is
// what lets the analyser run at memory speed on ordinary data.
class StructuralScanner {
 public:
  StructuralScanner(const char* data, size_t size, char delimiter)
      : data_(data), size_(size), delimiter_(delimiter) {
    mask_ = size_ > 0 ? Compute(0) : 0;
  }

  // The position of the next structural byte, or size() when there is none left.
  inline size_t Next() {
    while (mask_ == 0) {
      block_ += 64;
      if (block_ >= size_) return size_;
      mask_ = Compute(block_);
    }
    size_t e = block_ + static_cast<size_t>(__builtin_ctzll(mask_));
    mask_ &= mask_ - 1;
    return e;
  }

 private:
  uint64_t Compute(size_t pos) const {
    const char* p = data_ + pos;
#if defined(__SSE2__)
    if (pos + 64 <= size_) {
      const __m128i delim = _mm_set1_epi8(delimiter_);
      const __m128i quote = _mm_set1_epi8('"');
      const __m128i lf = _mm_set1_epi8('\n');
      const __m128i cr = _mm_set1_epi8('\r');
      uint64_t mask = 0;
      for (int k = 0; k < 4; ++k) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, delim), _mm_cmpeq_epi8(v, quote)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        mask |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(hit))) << (16 * k);
      }
      return mask;
    }
#endif
    const size_t n = std::min<size_t>(64, size_ - pos);
    uint64_t mask = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = p[i];
      if (c == delimiter_ || c == '"' || c == '\n' || c == '\r') mask |= uint64_t{1} << i;
    }
    return mask;
  }

  const char* data_;
  size_t size_;
  char delimiter_;
  size_t block_ = 0;
  uint64_t mask_ = 0;
};

// The value of a raw field: unquoted as is; quoted without escapes as the inside; otherwise unescaped
// into `scratch`.
std::string_view FieldValue(const char* p, size_t len, std::string& scratch) {
  if (len == 0 || p[0] != '"') return std::string_view(p, len);
  if (len >= 2 && p[len - 1] == '"' && std::memchr(p + 1, '"', len - 2) == nullptr) {
    return std::string_view(p + 1, len - 2);
  }
  scratch.clear();
  size_t i = 1;
  while (i < len) {
    if (p[i] == '"') {
      if (i + 1 < len && p[i + 1] == '"') {
        scratch.push_back('"');
        i += 2;
        continue;
      }
      scratch.append(p + i + 1, len - i - 1);  // Text after the closing quote, kept as is.
      break;
    }
    scratch.push_back(p[i++]);
  }
  return scratch;
}

std::string KeepString(std::string_view v) { return std::string(v.substr(0, kCsvPreviewCellBytes)); }

std::string FromRaw(const std::string& raw, bool latin1) {
  if (latin1) return std::string(TruncateUtf8(Latin1ToUtf8(raw), kCsvPreviewCellBytes));
  return SanitizeUtf8(TruncateUtf8(raw, kCsvPreviewCellBytes));
}

std::string DelimiterName(char d) {
  return d == '\t' ? "tab" : d == ';' ? "semicolon" : d == '|' ? "pipe" : "comma";
}

}  // namespace

char DetectCsvDelimiter(std::string_view sample) {
  static constexpr std::array<char, 4> kCandidates = {',', ';', '\t', '|'};
  constexpr size_t kMaxLines = 200;
  std::vector<std::array<uint32_t, 4>> lines;
  std::array<uint32_t, 4> counts{};
  bool in_quotes = false;
  bool line_has_content = false;
  // A sample cut mid-file ends with a partial line, which is not counted.
  for (size_t i = 0; i < sample.size() && lines.size() < kMaxLines; ++i) {
    const char c = sample[i];
    if (c == '"') {
      in_quotes = !in_quotes;
      line_has_content = true;
      continue;
    }
    if (in_quotes) continue;
    if (c == '\n' || c == '\r') {
      if (line_has_content) lines.push_back(counts);
      counts = {};
      line_has_content = false;
      continue;
    }
    line_has_content = true;
    for (size_t k = 0; k < kCandidates.size(); ++k) counts[k] += c == kCandidates[k];
  }
  if (lines.empty() && line_has_content) lines.push_back(counts);  // A single line without a break.
  char best = ',';
  size_t best_agree = 0;
  for (size_t k = 0; k < kCandidates.size(); ++k) {
    std::map<uint32_t, size_t> freq;
    for (const auto& line : lines) ++freq[line[k]];
    size_t agree = 0;
    for (const auto& [count, lines_with] : freq) {
      if (count > 0 && lines_with > agree) agree = lines_with;
    }
    if (agree > best_agree) {
      best_agree = agree;
      best = kCandidates[k];
    }
  }
  return best;
}

CsvAnalyzer::CsvAnalyzer(char delimiter, int max_columns)
    : delimiter_(delimiter), max_columns_(static_cast<size_t>(std::max(1, max_columns))) {
  FILESD_CHECK(delimiter != '"' && delimiter != '\r' && delimiter != '\n');
}

void CsvAnalyzer::AppendCarry(const char* p, size_t len) {
  size_t room = kCsvMaxCarryBytes - std::min(kCsvMaxCarryBytes, carry_.size());
  if (len > room) {
    carry_truncated_ = true;
    len = room;
  }
  carry_.append(p, len);
}

[[gnu::always_inline]] inline bool CsvAnalyzer::EmitField(const char* p, size_t len, bool truncated,
                                                          const char* readable_end) {
  ProcessField(field_index_++, p, len, truncated, readable_end);
  return status_.ok();
}

bool CsvAnalyzer::PrepareField(size_t col, const char* p, size_t len, bool truncated) {
  if (col >= max_columns_) {
    status_ = LimitExceeded("the CSV file has more than " + FormatCount(max_columns_) + " columns");
    return false;
  }
  if (records_ < kKeptRecords) {
    std::string_view v = FieldValue(p, len, scratch_);
    if (records_ == 0) {
      FirstRowCell cell;
      cell.value = KeepString(v);
      cell.is_null = !truncated && IsNullText(v);
      cell.kinds = truncated || cell.is_null ? 0 : ClassifyText(v);
      first_row_.push_back(std::move(cell));
      return false;
    }
    if (kept_.size() < records_) kept_.resize(records_);
    kept_[records_ - 1].push_back(KeepString(v));
  }
  if (col >= columns_.size()) {
    ColumnStats fresh;
    fresh.null_count = data_rows_;  // The rows before this one had no such cell.
    columns_.resize(col + 1, fresh);
    columns_data_ = columns_.data();
    num_columns_ = columns_.size();
    fast_columns_ = records_ >= kKeptRecords ? num_columns_ : 0;
  }
  return true;
}

namespace {

// True when the 1 to 8 bytes at p are all ASCII digits. REQUIRES: 8 bytes are readable at p.
inline bool AllDigits8(const char* p, size_t len) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  const uint64_t keep = len >= 8 ? ~uint64_t{0} : (uint64_t{1} << (len * 8)) - 1;  // Little-endian.
  constexpr uint64_t kZeros = 0x3030303030303030ULL, kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  w = (w & keep) | (kZeros & ~keep);
  // A byte is a digit when its high nibble is 3 and adding 6 keeps it so.
  return (w & kHigh) == kZeros && ((w + 0x0606060606060606ULL) & kHigh) == kZeros;
}

// Types one unquoted, complete field into its column's statistics: the hot path of the analyser. A free
// function over locals, so that its byte-sized stores cannot make the compiler reload analyser state.
[[gnu::always_inline]] inline void TypeUnquotedField(ColumnStats& stats, const char* p, size_t len,
                                                     const char* readable_end) {
  if (len == 0) {
    ++stats.null_count;
    return;
  }
  const char c0 = p[0];
  if (stats.candidates == 0) {
    // A string column stays string: only nulls are told apart.
    if ((c0 == ' ' || c0 == '\t' || c0 == 'N' || c0 == 'n' || c0 == '#') &&
        internal::IsNullTextSlow(std::string_view(p, len))) {
      ++stats.null_count;
    } else {
      ++stats.non_null;
    }
    return;
  }
  if ((stats.candidates & kKindInteger) && len <= 8 && readable_end - p >= 8 && AllDigits8(p, len)) {
    stats.Add(kKindInteger | kKindFloat);  // The commonest case: a short unsigned integer.
    return;
  }
  std::string_view v(p, len);
  if (IsNullText(v)) {
    ++stats.null_count;
  } else {
    stats.Add(ClassifyText(v, stats.candidates));
  }
}

}  // namespace

[[gnu::always_inline]] inline void CsvAnalyzer::ProcessField(size_t col, const char* p, size_t len,
                                                             bool truncated, const char* readable_end) {
  if (col >= fast_columns_ && !PrepareField(col, p, len, truncated)) return;
  ColumnStats& stats = columns_data_[col];
  if (len > 0 && (p[0] == '"' || truncated)) [[unlikely]] {
    std::string_view v = FieldValue(p, len, scratch_);
    if (truncated) {
      stats.Add(0);
    } else if (IsNullText(v)) {
      ++stats.null_count;
    } else {
      stats.Add(ClassifyText(v, stats.candidates));
    }
    return;
  }
  TypeUnquotedField(stats, p, len, readable_end);
}

void CsvAnalyzer::Feed(std::string_view chunk) {
  if (!status_.ok() || chunk.empty()) return;
  const char* d = chunk.data();
  const size_t n = chunk.size();
  // Every structural byte is consumed from the scanner exactly once, in order; bytes the state machine
  // looks ahead at (the LF of CRLF, the second quote of "", an opening quote) are consumed with it.
  StructuralScanner scanner(d, n, delimiter_);
  size_t pos = 0;
  if (skip_lf_) {
    skip_lf_ = false;
    if (d[0] == '\n') {
      scanner.Next();
      pos = 1;
    }
  }
  Mode mode = mode_;
  if (mode == Mode::kQuotePending) {
    if (pos < n && d[pos] == '"') {  // "" straddling chunks: an escaped quote.
      scanner.Next();
      ++pos;
      mode = Mode::kQuoted;
    } else {
      mode = Mode::kAfterQuote;
    }
  }
  size_t field_start = pos;
  // Hot state in locals: stores into column statistics could otherwise alias the members.
  const char delimiter = delimiter_;
  size_t field_index = field_index_;
  size_t fast_columns = fast_columns_;
  ColumnStats* columns = columns_data_;
  bool spilled = spilled_;
  while (true) {
    if (mode == Mode::kFieldStart) {
      if (pos >= n) break;
      field_start = pos;
      if (d[pos] == '"') {
        scanner.Next();
        mode = Mode::kQuoted;
      } else {
        mode = Mode::kUnquoted;
      }
    }
    const size_t e = scanner.Next();
    if (e >= n) break;
    const char c = d[e];
    if (mode == Mode::kQuoted) {
      if (c != '"') continue;
      if (e + 1 == n) {
        mode = Mode::kQuotePending;
        break;
      }
      if (d[e + 1] == '"') {
        scanner.Next();
      } else {
        mode = Mode::kAfterQuote;
      }
      continue;
    }
    if (c == '"') continue;  // A quote inside an unquoted field or after a closing quote: text.
    const bool blank_line =
        c != delimiter && field_index == 0 && e == field_start && mode == Mode::kUnquoted && !spilled;
    if (blank_line) {
      // One empty unquoted field alone on its line: skipped, not a record.
    } else if (!spilled && mode == Mode::kUnquoted && field_index < fast_columns) [[likely]] {
      TypeUnquotedField(columns[field_index], d + field_start, e - field_start, d + n);
      ++field_index;
      if (c != delimiter) {
        field_index_ = field_index;
        EndRecord();
        field_index = field_index_;
        fast_columns = fast_columns_;
      }
    } else {
      field_index_ = field_index;
      bool ok;
      if (spilled) [[unlikely]] {
        AppendCarry(d, e);
        ok = EmitField(carry_.data(), carry_.size(), carry_truncated_, carry_.data() + carry_.size());
        carry_.clear();
        carry_truncated_ = false;
        spilled = false;
      } else {
        ok = EmitField(d + field_start, e - field_start, false, d + n);
      }
      if (!ok) [[unlikely]]
        return;
      if (c != delimiter) EndRecord();
      field_index = field_index_;
      fast_columns = fast_columns_;
      columns = columns_data_;
    }
    pos = e + 1;
    mode = Mode::kFieldStart;
    if (c == delimiter) continue;
    if (c == '\r') {
      if (pos < n) {
        if (d[pos] == '\n') {
          scanner.Next();
          ++pos;
        }
      } else {
        skip_lf_ = true;
      }
    }
  }
  field_index_ = field_index;
  spilled_ = spilled;
  mode_ = mode;
  if (mode != Mode::kFieldStart) {
    const size_t from = spilled_ ? 0 : field_start;
    AppendCarry(d + from, n - from);
    spilled_ = true;
  }
}

void CsvAnalyzer::Finish() {
  if (!status_.ok()) return;
  if (mode_ != Mode::kFieldStart) {
    if (!EmitField(carry_.data(), carry_.size(), carry_truncated_, carry_.data() + carry_.size())) return;
    EndRecord();
  } else if (field_index_ > 0) {
    if (!EmitField("", 0, false, nullptr)) return;  // The input ended right after a delimiter.
    EndRecord();
  }
  carry_.clear();
  spilled_ = false;
  mode_ = Mode::kFieldStart;
}

void CsvAnalyzer::EndRecord() {
  if (records_ > 0) {
    for (size_t i = field_index_; i < columns_.size(); ++i) ++columns_[i].null_count;
    ++data_rows_;
  }
  ++records_;
  field_index_ = 0;
  fast_columns_ = records_ >= kKeptRecords ? num_columns_ : 0;
}

CsvTable CsvAnalyzer::Table(bool latin1) const {
  CsvTable table;
  if (records_ == 0) return table;
  const size_t width = std::max(first_row_.size(), columns_.size());
  std::vector<ColumnStats> data = columns_;
  if (data.size() < width) {
    ColumnStats fresh;
    fresh.null_count = data_rows_;
    data.resize(width, fresh);
  }
  table.has_header = DecideHeader(first_row_, data);
  if (!table.has_header) {
    // The first row is data: merge it into the statistics and the preview.
    for (size_t i = 0; i < width; ++i) {
      if (i >= first_row_.size() || first_row_[i].is_null) {
        data[i].AddNull();
      } else {
        data[i].Add(first_row_[i].kinds);
      }
    }
  }
  table.row_count = data_rows_ + (table.has_header ? 0 : 1);
  for (size_t i = 0; i < width; ++i) {
    TableColumn col;
    if (table.has_header && i < first_row_.size() && !first_row_[i].value.empty()) {
      col.name = FromRaw(first_row_[i].value, latin1);
    } else {
      col.name = DefaultColumnName(i);
    }
    col.type = data[i].TypeName();
    col.null_count = data[i].null_count;
    table.columns.push_back(std::move(col));
  }
  auto add_row = [&](auto get, size_t count) {
    std::vector<std::string> row;
    for (size_t i = 0; i < count; ++i) row.push_back(FromRaw(get(i), latin1));
    table.preview.push_back(std::move(row));
  };
  if (!table.has_header) {
    add_row([&](size_t i) -> const std::string& { return first_row_[i].value; }, first_row_.size());
  }
  for (const auto& row : kept_) {
    if (table.preview.size() >= kCsvPreviewRows) break;
    add_row([&](size_t i) -> const std::string& { return row[i]; }, row.size());
  }
  return table;
}

Result<ProcessOutput> CsvProcessor::Process(ByteSource& src, const ProcessLimits& limits) {
  // The delimiter is chosen on the decoded head, then one pass analyses everything.
  char delimiter = ',';
  {
    TextReader head(src, kSniffBytes);
    FILESD_ASSIGN_OR_RETURN(std::string_view sample, head.Next());
    delimiter = DetectCsvDelimiter(sample);
  }
  CsvAnalyzer analyzer(delimiter, limits.max_columns);
  TextCapture text(limits.max_text_bytes);
  TextReader reader(src, kReadChunkBytes);
  while (true) {
    FILESD_ASSIGN_OR_RETURN(std::string_view chunk, reader.Next());
    if (chunk.empty()) break;
    analyzer.Feed(chunk);
    if (!analyzer.status().ok()) return analyzer.status();
    text.Feed(chunk);
  }
  analyzer.Finish();
  if (!analyzer.status().ok()) return analyzer.status();
  const bool latin1 = reader.is_latin1();
  CsvTable table = analyzer.Table(latin1);

  ProcessOutput out;
  out.type = "csv";
  out.mime_type = delimiter == '\t' ? "text/tab-separated-values" : "text/csv";
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("csv");
  w.Key("delimiter").String(std::string(1, delimiter));
  w.Key("has_header").Bool(table.has_header);
  w.Key("encoding").String(EncodingName(reader.encoding()));
  w.Key("row_count").Uint(table.row_count);
  w.Key("column_count").Uint(table.columns.size());
  w.Key("columns");
  WriteColumns(w, table.columns);
  w.Key("preview");
  WriteRows(w, table.preview);
  w.EndObject();
  out.metadata_json = w.Take();

  out.summary = "CSV file with " + CountNoun(table.row_count, "row", "rows") + " and " +
                CountNoun(table.columns.size(), "column", "columns");
  if (table.columns.empty()) {
    out.summary += ".";
  } else {
    out.summary += ": " + DescribeColumns(table.columns) + ".";
  }
  if (delimiter != ',') out.summary += " Fields are separated by a " + DelimiterName(delimiter) + ".";
  out.text = text.Finish(latin1);
  return out;
}

}  // namespace filesd::process
