// Fuzzes the CSV analyser: the whole "csv" processor over memory (encoding and delimiter detection
// included) must end in a result or a clean error with valid UTF-8 output, and feeding the same bytes
// in two pieces must give exactly the table of feeding them whole.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "process/byte_source.h"
#include "process/csv_processor.h"
#include "process/json_writer.h"
#include "process/text_decode.h"

namespace {

using filesd::process::CsvAnalyzer;
using filesd::process::CsvTable;

std::string Describe(const CsvAnalyzer& a) {
  if (!a.status().ok()) return a.status().ToString();
  const CsvTable t = a.Table(false);
  filesd::process::JsonWriter w;
  w.BeginObject().Key("h").Bool(t.has_header).Key("n").Uint(t.row_count).Key("c");
  filesd::process::WriteColumns(w, t.columns);
  w.Key("p");
  filesd::process::WriteRows(w, t.preview);
  w.EndObject();
  return w.Take();
}

void CheckUtf8(std::string_view s) {
  filesd::process::Utf8Validator v;
  v.Feed(s);
  v.Finish();
  if (!v.valid()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  filesd::process::ProcessLimits limits;
  limits.max_columns = 64;
  limits.max_text_bytes = 4096;
  filesd::process::MemoryByteSource src(in);
  filesd::process::CsvProcessor processor;
  filesd::Result<filesd::process::ProcessOutput> out = processor.Process(src, limits);
  if (out.ok()) {
    CheckUtf8(out->metadata_json);
    CheckUtf8(out->summary);
    CheckUtf8(out->text);
    if (out->text.size() > limits.max_text_bytes) std::abort();
  }
  if (size == 0) return 0;
  const char delimiters[] = {',', ';', '\t', '|'};
  const char delimiter = delimiters[data[0] % 4];
  const size_t cut = (size_t{data[0]} * 7919 + size_t{data[size - 1]}) % (size + 1);
  CsvAnalyzer whole(delimiter, 64), pieces(delimiter, 64);
  whole.Feed(in);
  whole.Finish();
  pieces.Feed(in.substr(0, cut));
  pieces.Feed(in.substr(cut));
  pieces.Finish();
  if (Describe(whole) != Describe(pieces)) std::abort();
  return 0;
}
