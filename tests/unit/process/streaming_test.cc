// Large inputs: analysed in bounded memory (through the worker, under a tight address-space limit),
// and the CSV analyser's throughput, printed for the record.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "fixtures.h"
#include "process/byte_source.h"
#include "process/isolated_runner.h"
#include "process/process_file.h"

namespace filesd::process {
namespace {

constexpr uint64_t kTargetBytes = uint64_t{96} << 20;

// Writes rows until the file reaches kTargetBytes; returns the number of data rows.
uint64_t WriteBigCsv(const std::string& path) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << "id,name,price,sold_on,in_stock,comment\n";
  uint64_t bytes = 0, rows = 0;
  std::string block;
  char line[160];
  while (bytes < kTargetBytes) {
    block.clear();
    for (int i = 0; i < 10000; ++i, ++rows) {
      const int n = std::snprintf(
          line, sizeof line, "%llu,item %llu,%llu.%02llu,2024-%02llu-%02llu,%s,%s\n",
          static_cast<unsigned long long>(rows), static_cast<unsigned long long>(rows % 977),
          static_cast<unsigned long long>(rows % 1000), static_cast<unsigned long long>(rows % 100),
          static_cast<unsigned long long>(rows % 12 + 1), static_cast<unsigned long long>(rows % 28 + 1),
          rows % 3 ? "true" : "false", rows % 5 ? "\"late, again\"" : "");
      block.append(line, static_cast<size_t>(n));
    }
    f << block;
    bytes += block.size();
  }
  return rows;
}

uint64_t WriteBigJson(const std::string& path) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << "{\"items\": [";
  uint64_t bytes = 0, items = 0;
  std::string block;
  while (bytes < kTargetBytes) {
    block.clear();
    for (int i = 0; i < 10000; ++i, ++items) {
      block += items ? "," : "";
      block += "{\"id\": " + std::to_string(items) + ", \"tags\": [\"a\", \"b\"], \"price\": 1.5e2}";
    }
    f << block;
    bytes += block.size();
  }
  f << "], \"count\": " << items << "}";
  return items;
}

TEST(StreamingTest, LargeCsvAndJsonInBoundedMemory) {
  const std::string csv = testing::Scratch("big.csv");
  const uint64_t rows = WriteBigCsv(csv);
  const std::string json = testing::Scratch("big.json");
  WriteBigJson(json);
  ProcessLimits limits;
  limits.max_memory_bytes = uint64_t{192} << 20;  // The worker's libraries take about 100 MiB of it.
  limits.max_text_bytes = uint64_t{1} << 20;
  limits.max_seconds = 120;
  Result<ProcessOutput> c = RunIsolated(testing::WorkerPath(), csv, "big.csv", limits);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(
      c->metadata_json.substr(0, c->metadata_json.find(R"(,"preview")")),
      R"({"type":"csv","delimiter":",","has_header":true,"encoding":"utf-8","row_count":)" +
          std::to_string(rows) +
          R"(,"column_count":6,"columns":[{"name":"id","type":"integer","null_count":0},)"
          R"({"name":"name","type":"string","null_count":0},{"name":"price","type":"float","null_count":0},)"
          R"({"name":"sold_on","type":"date","null_count":0},{"name":"in_stock","type":"boolean","null_count":0},)"
          R"({"name":"comment","type":"string","null_count":)" +
          std::to_string((rows + 4) / 5) + "}]");
  EXPECT_EQ(c->text.size(), uint64_t{1} << 20);
  Result<ProcessOutput> j = RunIsolated(testing::WorkerPath(), json, "big.json", limits);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(j->metadata_json,
            R"({"type":"json","format":"json","root_type":"object","depth":4,"keys":["items","count"],)"
            R"("length":null,"record_count":null,"invalid_lines":null,"detected_by":"content+extension",)"
            R"("extension_mismatch":false})");

  // Throughput of the whole CSV analysis in this process (reading, UTF-8 check, typing), for the log.
  auto src = FileByteSource::Open(csv);
  ASSERT_TRUE(src.ok());
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessOutput> again = ProcessSource(**src, "big.csv", limits);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(again.ok());
  std::printf("CSV analysis: %.0f MB in %.3f s = %.0f MB/s\n",
              static_cast<double>((*src)->size_bytes()) / 1e6, seconds,
              static_cast<double>((*src)->size_bytes()) / 1e6 / seconds);
}

TEST(StreamingTest, BlobReaderAdapter) {
  // Any reader with size_bytes() and ReadAt() works as a ByteSource.
  struct FakeReader {
    std::string data;
    uint64_t size_bytes() const { return data.size(); }
    Result<size_t> ReadAt(uint64_t offset, std::span<char> out) {
      if (offset >= data.size()) return size_t{0};
      const size_t n = std::min<size_t>(out.size(), data.size() - offset);
      std::copy_n(data.data() + offset, n, out.data());
      return n;
    }
  } reader{"a,b\n1,2\n"};
  BlobReaderSource<FakeReader> src(reader);
  Result<ProcessOutput> out = ProcessSource(src, "x.csv", ProcessLimits());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->summary, "CSV file with 1 row and 2 columns: a (integer), b (integer).");
}

}  // namespace
}  // namespace filesd::process
