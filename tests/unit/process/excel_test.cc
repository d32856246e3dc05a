#include <gtest/gtest.h>

#include "fixtures.h"
#include "process/excel_processor.h"
#include "process/isolated_runner.h"
#include "process/process_file.h"

namespace filesd::process {
namespace {

using testing::Fixture;
using testing::MustProcess;

TEST(ExcelTest, XlsxWithTwoSheets) {
  ProcessOutput out = MustProcess("book.xlsx");
  EXPECT_EQ(out.type, "excel");
  EXPECT_EQ(out.mime_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(
      out.metadata_json,
      R"({"type":"excel","format":"xlsx","sheet_count":2,"sheets":[{"name":"Sales","row_count":3,)"
      R"("column_count":6,"columns":[{"name":"id","type":"integer","null_count":0},)"
      R"({"name":"item","type":"string","null_count":1},{"name":"price","type":"float","null_count":0},)"
      R"({"name":"sold_on","type":"date","null_count":0},{"name":"paid","type":"boolean","null_count":0},)"
      R"({"name":"at","type":"datetime","null_count":1}],"preview":[)"
      R"(["1","pen","1.5","2024-01-02","true","2024-01-02 10:30:00"],)"
      R"(["2","ink","2.25","2024-01-03","false","2024-01-03 11:00:00"],)"
      R"(["3","","3","2024-01-04","true",""]]},)"
      R"({"name":"Notes","row_count":2,"column_count":1,"columns":[{"name":"note","type":"string","null_count":0}],)"
      R"("preview":[["first, with comma"],["second"]]}],"detected_by":"content+extension",)"
      R"("extension_mismatch":false})");
  EXPECT_EQ(
      out.summary,
      "Excel workbook (xlsx) with 2 sheets: Sales (3 rows, 6 columns); Notes (2 rows, 1 column). Sales has "
      "id (integer), item (string), price (float), sold_on (date), paid (boolean), at (datetime).");
  EXPECT_EQ(out.text,
            "# Sheet: Sales\nid,item,price,sold_on,paid,at\n1,pen,1.5,2024-01-02,true,2024-01-02 10:30:00\n"
            "2,ink,2.25,2024-01-03,false,2024-01-03 11:00:00\n3,,3,2024-01-04,true\n\n"
            "# Sheet: Notes\nnote\n\"first, with comma\"\nsecond\n\n");
}

TEST(ExcelTest, XlsWithFreexl) {
  ProcessOutput out = MustProcess("legacy.xls");
  EXPECT_EQ(out.mime_type, "application/vnd.ms-excel");
  EXPECT_EQ(
      out.metadata_json,
      R"({"type":"excel","format":"xls","sheet_count":2,"sheets":[{"name":"People","row_count":2,)"
      R"("column_count":3,"columns":[{"name":"name","type":"string","null_count":0},)"
      R"({"name":"age","type":"integer","null_count":0},{"name":"joined","type":"date","null_count":0}],)"
      R"("preview":[["Ann","31","2020-05-01"],["Bob","42","2021-06-02"]]},)"
      R"({"name":"Empty","row_count":0,"column_count":0,"columns":[],"preview":[]}],)"
      R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.text,
            "# Sheet: People\nname,age,joined\nAnn,31,2020-05-01\nBob,42,2021-06-02\n\n# Sheet: Empty\n\n");
}

TEST(ExcelTest, ZipBombsAreRefusedNotExpanded) {
  ProcessLimits limits;
  limits.max_decompressed_bytes = uint64_t{64} << 20;
  // Declared size 200 MiB: refused from the ZIP directory, before inflating anything.
  Result<ProcessOutput> declared =
      RunIsolated(testing::WorkerPath(), Fixture("bomb.xlsx"), "bomb.xlsx", limits);
  EXPECT_EQ(declared.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(declared.status().reason(), "processing_limit");
  EXPECT_EQ(declared.status().message(),
            "the workbook expands to more than 64 MiB when decompressed (a zip bomb?)");
  // Declared 1 KiB but inflating to 200 MiB: stopped by counting.
  Result<ProcessOutput> lying =
      RunIsolated(testing::WorkerPath(), Fixture("bomb_lying.xlsx"), "bomb_lying.xlsx", limits);
  EXPECT_EQ(lying.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(lying.status().message(),
            "the workbook expands to more than 64 MiB when decompressed (a zip bomb?)");
}

TEST(ExcelTest, DamagedWorkbooks) {
  // A ZIP that is not a workbook, named .xlsx.
  Result<ProcessOutput> text_as_xlsx =
      ProcessFile(testing::WriteTemp("fake.xlsx", "PK\x03\x04 nonsense"), "fake.xlsx", ProcessLimits());
  EXPECT_EQ(text_as_xlsx.status().code(), StatusCode::kInvalidArgument);
  ExcelProcessor xlsx(false);
  MemoryByteSource junk("definitely not a zip archive");
  EXPECT_EQ(xlsx.Process(junk, ProcessLimits()).status().message(),
            "the file is not a valid xlsx workbook (its ZIP structure is damaged)");
  ExcelProcessor xls(true);
  Result<ProcessOutput> bad_xls = xls.Process(junk, ProcessLimits());
  EXPECT_EQ(bad_xls.status().code(), StatusCode::kInvalidArgument);
  // Binary noise named .xls goes to freexl (rule 3 of sniff.h), which refuses it.
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise.push_back(static_cast<char>((i * 97 + 13) % 253));
  Result<ProcessOutput> named_xls =
      RunIsolated(testing::WorkerPath(), testing::WriteTemp("junk.xls", noise), "junk.xls", ProcessLimits());
  EXPECT_EQ(named_xls.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(named_xls.status().message(), "the file is not a readable xls workbook");
  // Text named .xls is text, and says the extension was wrong.
  Result<ProcessOutput> text_xls =
      ProcessFile(testing::WriteTemp("words.xls", "just words\n"), "words.xls", ProcessLimits());
  ASSERT_TRUE(text_xls.ok());
  EXPECT_EQ(text_xls->type, "text");
  EXPECT_NE(text_xls->metadata_json.find(R"("detected_by":"content","extension_mismatch":true)"),
            std::string::npos);
}

TEST(ExcelTest, ColumnLimit) {
  ProcessLimits limits;
  limits.max_columns = 4;
  Result<ProcessOutput> out = ProcessFile(Fixture("book.xlsx"), "book.xlsx", limits);
  EXPECT_EQ(out.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(out.status().message(), "a sheet has more than 4 columns");
}

}  // namespace
}  // namespace filesd::process
