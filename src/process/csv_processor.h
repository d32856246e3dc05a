// CSV analysis: a hand-written single-pass streaming analyser (RFC 4180) and the "csv" Processor.
//
// Dialect: fields separated by one delimiter among , ; tab | (detected from the first 64 KiB), records
// ended by LF, CRLF or CR. A field starting with '"' is quoted: it may hold delimiters and line breaks,
// and "" stands for one quote. Leniency instead of failure: a quote inside an unquoted field is a plain
// character, text after a closing quote is appended to the field, an unterminated quote runs to the end
// of the file. Blank lines (a record of one empty unquoted field) are skipped. Rows may be ragged: the
// table has as many columns as its longest row, and missing cells count as null.
//
// Memory is bounded whatever the input: the analyser keeps per-column statistics, the first 6 records
// (preview cells cut at kCsvPreviewCellBytes) and at most kCsvMaxCarryBytes of a field that straddles
// chunks. Fields longer than that are typed string.
//
// Types and header detection: table_stats.h. Encodings: text_decode.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "process/processor.h"
#include "process/table_stats.h"

namespace filesd::process {

inline constexpr size_t kCsvPreviewRows = 5;
inline constexpr size_t kCsvPreviewCellBytes = 1024;
inline constexpr size_t kCsvMaxCarryBytes = 64 * 1024;

// The most likely delimiter of a CSV sample (quote-aware): among , ; tab | the one found the same
// nonzero number of times on the most lines; ties go to the earlier in that list. ',' when none occurs.
char DetectCsvDelimiter(std::string_view sample);

// What the analyser found.
struct CsvTable {
  bool has_header = false;
  uint64_t row_count = 0;  // Data rows (the header excluded).
  std::vector<TableColumn> columns;
  std::vector<std::vector<std::string>> preview;  // First data rows, at most kCsvPreviewRows.
};

// Streaming analyser. Feed chunks of any size (records and fields may straddle chunks), then Finish.
class CsvAnalyzer {
 public:
  // REQUIRES: delimiter is not '"', '\r' or '\n'.
  CsvAnalyzer(char delimiter, int max_columns);

  // Analyses the next bytes. After an error (status() not OK) input is ignored.
  void Feed(std::string_view chunk);
  // Ends the input (completes a last record without a line break).
  void Finish();
  // OK, or kPayloadTooLarge/processing_limit once a record has more than max_columns fields.
  const Status& status() const { return status_; }
  // The table. `latin1`: the bytes were Latin-1, so kept strings are transcoded to UTF-8.
  // REQUIRES: Finish() was called and status() is OK.
  CsvTable Table(bool latin1) const;

 private:
  enum class Mode { kFieldStart, kUnquoted, kQuoted, kQuotePending, kAfterQuote };

  // Processes one raw field; `readable_end` bounds the bytes readable after it (fast paths read 8 at a
  // time). False after an error.
  bool EmitField(const char* p, size_t len, bool truncated, const char* readable_end);
  void ProcessField(size_t col, const char* p, size_t len, bool truncated, const char* readable_end);
  // The rare work of a field (first records, new columns, limits); false when the field needs no
  // statistics (first record, or an error).
  bool PrepareField(size_t col, const char* p, size_t len, bool truncated);
  void EndRecord();
  void AppendCarry(const char* p, size_t len);

  const char delimiter_;
  const size_t max_columns_;
  Status status_;

  Mode mode_ = Mode::kFieldStart;
  bool spilled_ = false;  // The current field began in an earlier chunk (its bytes are in carry_).
  bool carry_truncated_ = false;
  bool skip_lf_ = false;  // The previous chunk ended with CR: skip a leading LF.
  std::string carry_;
  std::string scratch_;

  size_t field_index_ = 0;
  uint64_t records_ = 0;  // Non-blank records completed.
  uint64_t data_rows_ = 0;

  std::vector<FirstRowCell> first_row_;
  std::vector<std::vector<std::string>> kept_;  // Records 2..6 (raw bytes, cut).
  std::vector<ColumnStats> columns_;
  ColumnStats* columns_data_ = nullptr;  // columns_.data() and .size(), kept for the hot path.
  size_t num_columns_ = 0;
  size_t fast_columns_ = 0;  // Columns the hot path may use: 0 while the first records are kept.
};

// The "csv" processor: encoding detection, delimiter detection, then one streaming pass.
// metadata: {"type":"csv","delimiter":",","has_header":true,"encoding":"utf-8","row_count":N,
//            "column_count":N,"columns":[{"name","type","null_count"}],"preview":[[...]]}
// text: the file's text in UTF-8 (cut at max_text_bytes).
class CsvProcessor final : public Processor {
 public:
  std::string_view type() const override { return "csv"; }
  Result<ProcessOutput> Process(ByteSource& src, const ProcessLimits& limits) override;
};

}  // namespace filesd::process
