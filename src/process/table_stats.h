// Column statistics of tables (CSV files and spreadsheet sheets): value classification, per-column type
// inference, null counts and header detection. Shared so that a CSV and a sheet with the same values
// are described the same way.
//
// Types, from the most specific: integer, float, boolean, date, datetime, string. A column's type is the
// most specific type every non-null value fits (an integer fits float; a date fits datetime); a column
// with no non-null value is "string".
//  * null: empty or whitespace-only, or exactly one of NA, N/A, n/a, #N/A, NULL, null, None, NaN, nan.
//  * integer: optional sign and 1 to 18 digits. float: decimal with optional fraction and exponent
//    (".5", "1.", "1e3", "-2.5E-3"); longer integers are floats.
//  * boolean: true/false/yes/no in any letter case.
//  * date: YYYY-MM-DD or YYYY/MM/DD; DD.MM.YYYY; MM/DD/YYYY or DD/MM/YYYY (month 1-12, day 1-31).
//  * datetime: an ISO date, 'T' or ' ', HH:MM[:SS[.fraction]], then optional Z or +HH:MM / -HHMM.
// Leading and trailing spaces and tabs are ignored when classifying.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "process/json_writer.h"

namespace filesd::process {

// Bits of the types a value fits.
inline constexpr uint8_t kKindInteger = 1;
inline constexpr uint8_t kKindFloat = 2;
inline constexpr uint8_t kKindBoolean = 4;
inline constexpr uint8_t kKindDate = 8;
inline constexpr uint8_t kKindDateTime = 16;
inline constexpr uint8_t kAllKinds = 31;

namespace internal {
uint8_t ClassifyTextSlow(std::string_view v, uint8_t candidates);
bool IsNullTextSlow(std::string_view v);
// true/false/yes/no in any letter case (no surrounding blanks).
inline bool IsBooleanWord(const char* p, size_t n) {
  // OR 0x20 lower-cases ASCII letters; only letters can then equal a lower-case word.
  auto lower = [p](size_t i) { return static_cast<char>(p[i] | 0x20); };
  switch (n) {
    case 2:
      return lower(0) == 'n' && lower(1) == 'o';
    case 3:
      return lower(0) == 'y' && lower(1) == 'e' && lower(2) == 's';
    case 4:
      return lower(0) == 't' && lower(1) == 'r' && lower(2) == 'u' && lower(3) == 'e';
    case 5:
      return lower(0) == 'f' && lower(1) == 'a' && lower(2) == 'l' && lower(3) == 's' && lower(4) == 'e';
    default:
      return false;
  }
}
inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
}  // namespace internal

// The kinds among `candidates` that the non-null text `v` fits (0: only string). Inline fast paths
// cover the common shapes (plain integers and decimals, ISO dates); the rest is out of line.
[[gnu::always_inline]] inline uint8_t ClassifyText(std::string_view v, uint8_t candidates = kAllKinds) {
  const char* p = v.data();
  const size_t n = v.size();
  if (n == 0 || candidates == 0) return 0;
  if ((candidates & (kKindInteger | kKindFloat)) && n <= 18) {
    size_t i = p[0] == '-' ? 1 : 0;
    size_t digits = 0;
    while (i < n && internal::IsDigit(p[i])) ++i, ++digits;
    if (i == n && digits > 0) return candidates & (kKindInteger | kKindFloat);
    if (i < n && p[i] == '.' && digits > 0) {
      ++i;
      size_t frac = 0;
      while (i < n && internal::IsDigit(p[i])) ++i, ++frac;
      if (i == n && frac > 0) return candidates & kKindFloat;
    }
  }
  if ((candidates & kKindDate) && n == 10 && p[4] == '-' && p[7] == '-') {
    bool digits = internal::IsDigit(p[0]) && internal::IsDigit(p[1]) && internal::IsDigit(p[2]) &&
                  internal::IsDigit(p[3]) && internal::IsDigit(p[5]) && internal::IsDigit(p[6]) &&
                  internal::IsDigit(p[8]) && internal::IsDigit(p[9]);
    int month = (p[5] - '0') * 10 + (p[6] - '0');
    int day = (p[8] - '0') * 10 + (p[9] - '0');
    if (digits && month >= 1 && month <= 12 && day >= 1 && day <= 31) {
      return candidates & (kKindDate | kKindDateTime);
    }
  }
  if (candidates == kKindBoolean) {
    return n >= 2 && n <= 5 && internal::IsBooleanWord(p, n) ? kKindBoolean : 0;
  }
  return internal::ClassifyTextSlow(v, candidates);
}

// True when `v` denotes a missing value (see above). Every null token starts with a blank, N, n or #.
inline bool IsNullText(std::string_view v) {
  if (v.empty()) return true;
  const char c = v[0];
  if (c != ' ' && c != '\t' && c != 'N' && c != 'n' && c != '#') return false;
  return internal::IsNullTextSlow(v);
}

// The type name of a set of kinds left after classification: the most specific one, else "string".
std::string_view KindsTypeName(uint8_t kinds);

struct ColumnStats {
  uint8_t candidates = kAllKinds;
  uint64_t non_null = 0;
  uint64_t null_count = 0;

  void AddNull() { ++null_count; }
  void Add(uint8_t kinds) {
    ++non_null;
    candidates &= kinds;
  }
  // "integer", "float", "boolean", "date", "datetime" or "string".
  std::string_view TypeName() const { return non_null == 0 ? "string" : KindsTypeName(candidates); }
};

// One cell of a table's first row, kept to decide whether that row is a header.
struct FirstRowCell {
  std::string value;  // Possibly truncated; used for the distinctness test only.
  bool is_null = false;
  uint8_t kinds = 0;  // ClassifyText of the full value.
};

// Whether the first row is a header, given its cells and the statistics of the rows after it.
// Each column whose data type is not string votes: header if the first cell does not fit that type, not
// a header if it does. With a majority for either, that decides; otherwise (all-string tables, ties,
// a single row) the row is a header when its cells are all non-null, all plain strings and distinct.
bool DecideHeader(const std::vector<FirstRowCell>& first, const std::vector<ColumnStats>& data);

// A column in the metadata.
struct TableColumn {
  std::string name;
  std::string_view type;
  uint64_t null_count = 0;
};

// Writes [{"name":..,"type":..,"null_count":..},...].
void WriteColumns(JsonWriter& w, const std::vector<TableColumn>& columns);
// Writes [[..],[..]] (rows of strings).
void WriteRows(JsonWriter& w, const std::vector<std::vector<std::string>>& rows);
// "id (integer), name (string), price (float)" for the first `max_listed` columns, then
// ", and 7 more" when there are more.
std::string DescribeColumns(const std::vector<TableColumn>& columns, size_t max_listed = 12);
// "column_3" for index 2: the name of a column without a header cell.
std::string DefaultColumnName(size_t index);

// Appends one CSV record (RFC 4180: fields with the delimiter, a quote or a line break are quoted)
// with a trailing "\n".
void AppendCsvRecord(std::string& out, const std::vector<std::string>& fields, char delimiter = ',');

}  // namespace filesd::process
