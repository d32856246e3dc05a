#include "process/table_stats.h"

#include <algorithm>
#include <set>

namespace filesd::process {

namespace {

using internal::IsDigit;
inline int Digit(char c) { return c - '0'; }

inline std::string_view Trim(std::string_view v) {
  size_t b = 0, e = v.size();
  while (b < e && (v[b] == ' ' || v[b] == '\t')) ++b;
  while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t')) --e;
  return v.substr(b, e - b);
}

uint8_t ClassifyNumber(const char* p, size_t n) {
  size_t i = 0;
  if (p[0] == '+' || p[0] == '-') ++i;
  const size_t int_start = i;
  while (i < n && IsDigit(p[i])) ++i;
  const size_t int_digits = i - int_start;
  if (i == n) {
    if (int_digits == 0) return 0;
    return int_digits <= 18 ? (kKindInteger | kKindFloat) : kKindFloat;
  }
  size_t frac_digits = 0;
  if (p[i] == '.') {
    ++i;
    while (i < n && IsDigit(p[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return 0;
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    ++i;
    if (i < n && (p[i] == '+' || p[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < n && IsDigit(p[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return 0;
  }
  return i == n ? kKindFloat : 0;
}

// Parses `count` digits at p[i]; returns -1 when one is not a digit.
int ParseDigits(const char* p, size_t i, size_t count) {
  int v = 0;
  for (size_t k = 0; k < count; ++k) {
    if (!IsDigit(p[i + k])) return -1;
    v = v * 10 + Digit(p[i + k]);
  }
  return v;
}

// The time and zone after "YYYY-MM-DDT" at p[i..n).
bool IsTimeOfDay(const char* p, size_t i, size_t n) {
  if (n < i + 5 || p[i + 2] != ':') return false;
  int hh = ParseDigits(p, i, 2), mm = ParseDigits(p, i + 3, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return false;
  i += 5;
  if (i < n && p[i] == ':') {
    if (n < i + 3) return false;
    int ss = ParseDigits(p, i + 1, 2);
    if (ss < 0 || ss > 60) return false;
    i += 3;
    if (i < n && (p[i] == '.' || p[i] == ',')) {
      ++i;
      size_t digits = 0;
      while (i < n && IsDigit(p[i])) ++i, ++digits;
      if (digits == 0) return false;
    }
  }
  if (i == n) return true;
  if (p[i] == 'Z' || p[i] == 'z') return i + 1 == n;
  if (p[i] == ' ' && i + 1 < n && (p[i + 1] == '+' || p[i + 1] == '-')) ++i;
  if (p[i] != '+' && p[i] != '-') return false;
  ++i;
  size_t rest = n - i;
  if (rest == 2) return ParseDigits(p, i, 2) >= 0;
  if (rest == 4) return ParseDigits(p, i, 4) >= 0;
  if (rest == 5) return p[i + 2] == ':' && ParseDigits(p, i, 2) >= 0 && ParseDigits(p, i + 3, 2) >= 0;
  return false;
}

uint8_t ClassifyDate(const char* p, size_t n) {
  // ISO: YYYY-MM-DD or YYYY/MM/DD, optionally followed by a time.
  if (n >= 10 && (p[4] == '-' || p[4] == '/') && p[7] == p[4]) {
    int y = ParseDigits(p, 0, 4), m = ParseDigits(p, 5, 2), d = ParseDigits(p, 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return 0;
    if (n == 10) return kKindDate | kKindDateTime;
    if ((p[10] == 'T' || p[10] == ' ') && IsTimeOfDay(p, 11, n)) return kKindDateTime;
    return 0;
  }
  // D.M.YYYY, M/D/YYYY, D/M/YYYY with one- or two-digit day and month.
  size_t i = 0;
  int a = 0, b = 0;
  size_t da = 0, db = 0;
  while (i < n && IsDigit(p[i]) && da < 3) a = a * 10 + Digit(p[i++]), ++da;
  if (da == 0 || da > 2 || i >= n || (p[i] != '.' && p[i] != '/')) return 0;
  const char sep = p[i++];
  while (i < n && IsDigit(p[i]) && db < 3) b = b * 10 + Digit(p[i++]), ++db;
  if (db == 0 || db > 2 || i >= n || p[i] != sep) return 0;
  ++i;
  if (n - i != 4 || ParseDigits(p, i, 4) < 0) return 0;
  bool ok = sep == '.'
                ? (a >= 1 && a <= 31 && b >= 1 && b <= 12)
                : ((a >= 1 && a <= 12 && b >= 1 && b <= 31) || (a >= 1 && a <= 31 && b >= 1 && b <= 12));
  return ok ? (kKindDate | kKindDateTime) : 0;
}

}  // namespace

namespace internal {

uint8_t ClassifyTextSlow(std::string_view v, uint8_t candidates) {
  v = Trim(v);
  const char* p = v.data();
  const size_t n = v.size();
  if (n == 0 || candidates == 0) return 0;
  const char c0 = p[0];
  if ((candidates & (kKindInteger | kKindFloat)) && (IsDigit(c0) || c0 == '-' || c0 == '+' || c0 == '.')) {
    uint8_t kinds = ClassifyNumber(p, n) & candidates;
    if (kinds != 0) return kinds;
  }
  if ((candidates & kKindBoolean) && n <= 5 && internal::IsBooleanWord(p, n)) return kKindBoolean;
  if ((candidates & (kKindDate | kKindDateTime)) && n >= 8 && IsDigit(c0)) {
    return ClassifyDate(p, n) & candidates;
  }
  return 0;
}

bool IsNullTextSlow(std::string_view v) {
  v = Trim(v);
  if (v.empty()) return true;
  if (v.size() > 4) return false;
  return v == "NA" || v == "N/A" || v == "n/a" || v == "#N/A" || v == "NULL" || v == "null" || v == "None" ||
         v == "NaN" || v == "nan";
}

}  // namespace internal

std::string_view KindsTypeName(uint8_t kinds) {
  if (kinds & kKindInteger) return "integer";
  if (kinds & kKindFloat) return "float";
  if (kinds & kKindBoolean) return "boolean";
  if (kinds & kKindDate) return "date";
  if (kinds & kKindDateTime) return "datetime";
  return "string";
}

bool DecideHeader(const std::vector<FirstRowCell>& first, const std::vector<ColumnStats>& data) {
  if (first.empty()) return false;
  int votes = 0;
  for (size_t i = 0; i < first.size() && i < data.size(); ++i) {
    const ColumnStats& col = data[i];
    if (col.non_null == 0) continue;
    const uint8_t type_bits = col.candidates;
    if (type_bits == 0) continue;  // A string column says nothing.
    if (first[i].is_null) continue;
    // The first cell fits the column's type (the most specific kind left) or not.
    uint8_t most_specific = 1;
    while (!(type_bits & most_specific)) most_specific = static_cast<uint8_t>(most_specific << 1);
    votes += (first[i].kinds & most_specific) ? -1 : 1;
  }
  if (votes != 0) return votes > 0;
  std::set<std::string_view> seen;
  for (const FirstRowCell& cell : first) {
    if (cell.is_null || cell.kinds != 0) return false;
    if (!seen.insert(cell.value).second) return false;
  }
  return true;
}

void WriteColumns(JsonWriter& w, const std::vector<TableColumn>& columns) {
  w.BeginArray();
  for (const TableColumn& c : columns) {
    w.BeginObject();
    w.Key("name").String(c.name);
    w.Key("type").String(c.type);
    w.Key("null_count").Uint(c.null_count);
    w.EndObject();
  }
  w.EndArray();
}

void WriteRows(JsonWriter& w, const std::vector<std::vector<std::string>>& rows) {
  w.BeginArray();
  for (const auto& row : rows) {
    w.BeginArray();
    for (const std::string& cell : row) w.String(cell);
    w.EndArray();
  }
  w.EndArray();
}

std::string DescribeColumns(const std::vector<TableColumn>& columns, size_t max_listed) {
  std::string out;
  const size_t listed = std::min(columns.size(), max_listed);
  for (size_t i = 0; i < listed; ++i) {
    if (i > 0) out += ", ";
    out += columns[i].name;
    out += " (";
    out += columns[i].type;
    out += ")";
  }
  if (columns.size() > listed) out += ", and " + FormatCount(columns.size() - listed) + " more";
  return out;
}

std::string DefaultColumnName(size_t index) { return "column_" + std::to_string(index + 1); }

void AppendCsvRecord(std::string& out, const std::vector<std::string>& fields, char delimiter) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(delimiter);
    const std::string& f = fields[i];
    if (f.find_first_of(std::string{delimiter, '"', '\n', '\r'}) == std::string::npos) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char c : f) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('\n');
}

}  // namespace filesd::process
