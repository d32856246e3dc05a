#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "process/csv_processor.h"
#include "process/json_writer.h"
#include "process/process_file.h"
#include "process/table_stats.h"

namespace filesd::process {
namespace {

using testing::Fixture;
using testing::MustProcess;

// The table as one comparable string.
std::string Describe(const CsvTable& t) {
  JsonWriter w;
  w.BeginObject();
  w.Key("has_header").Bool(t.has_header);
  w.Key("row_count").Uint(t.row_count);
  w.Key("columns");
  WriteColumns(w, t.columns);
  w.Key("preview");
  WriteRows(w, t.preview);
  w.EndObject();
  return w.Take();
}

std::string AnalyzeInPieces(std::string_view data, char delimiter, const std::vector<size_t>& cuts) {
  CsvAnalyzer a(delimiter, 100);
  size_t from = 0;
  for (size_t cut : cuts) {
    a.Feed(data.substr(from, cut - from));
    from = cut;
  }
  a.Feed(data.substr(from));
  a.Finish();
  EXPECT_TRUE(a.status().ok());
  return Describe(a.Table(false));
}

std::string Analyze(std::string_view data, char delimiter = ',') {
  return AnalyzeInPieces(data, delimiter, {});
}

TEST(CsvFileTest, BasicTypesNullsHeaderAndPreview) {
  ProcessOutput out = MustProcess("basic.csv");
  EXPECT_EQ(out.type, "csv");
  EXPECT_EQ(out.mime_type, "text/csv");
  EXPECT_EQ(
      out.metadata_json,
      R"({"type":"csv","delimiter":",","has_header":true,"encoding":"utf-8","row_count":7,)"
      R"("column_count":6,"columns":[{"name":"id","type":"integer","null_count":0},)"
      R"({"name":"name","type":"string","null_count":1},{"name":"price","type":"float","null_count":2},)"
      R"({"name":"sold_on","type":"date","null_count":0},{"name":"active","type":"boolean","null_count":0},)"
      R"({"name":"updated_at","type":"datetime","null_count":1}],"preview":[)"
      R"(["1","apple","1.5","2024-01-02","true","2024-01-02T10:00:00"],)"
      R"(["2","banana","","2024-01-03","false","2024-01-03 11:30"],)"
      R"(["3","cherry","2.25","2024-02-29","TRUE","2024-02-29T23:59:59Z"],)"
      R"(["4","","3","2024-03-01","False",""],)"
      R"(["5","elder","4.75","2024-03-02","yes","2024-03-02T08:15:00+02:00"]],)"
      R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.summary,
            "CSV file with 7 rows and 6 columns: id (integer), name (string), price (float), "
            "sold_on (date), active (boolean), updated_at (datetime).");
  EXPECT_EQ(out.text.substr(0, 41), "id,name,price,sold_on,active,updated_at\n1");
  EXPECT_EQ(out.text.size(), 351u);
}

TEST(CsvFileTest, QuotedFieldsWithDelimitersQuotesAndLineBreaks) {
  ProcessOutput out = MustProcess("quoted.csv");
  EXPECT_EQ(
      out.metadata_json,
      R"({"type":"csv","delimiter":",","has_header":true,"encoding":"utf-8","row_count":3,)"
      R"("column_count":3,"columns":[{"name":"city","type":"string","null_count":0},)"
      R"({"name":"note","type":"string","null_count":0},{"name":"count","type":"integer","null_count":0}],)"
      R"("preview":[["Paris, France","said \"bonjour\"","10"],["Berlin","two\r\nlines","20"],)"
      R"(["Rome","plain","30"]],"detected_by":"content+extension","extension_mismatch":false})");
}

TEST(CsvFileTest, SemicolonDelimiterAndRaggedRows) {
  ProcessOutput out = MustProcess("semicolon.csv");
  EXPECT_EQ(
      out.metadata_json,
      R"({"type":"csv","delimiter":";","has_header":true,"encoding":"utf-8","row_count":3,)"
      R"("column_count":4,"columns":[{"name":"product","type":"string","null_count":0},)"
      R"({"name":"qty","type":"integer","null_count":0},{"name":"comment","type":"string","null_count":1},)"
      R"({"name":"column_4","type":"string","null_count":2}],)"
      R"("preview":[["pen","3","blue"," not red"],["ink","12","a;b"],["pad","7",""]],)"
      R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.summary,
            "CSV file with 3 rows and 4 columns: product (string), qty (integer), comment (string), "
            "column_4 (string). Fields are separated by a semicolon.");
}

TEST(CsvFileTest, Utf16WithBomIsTranscoded) {
  ProcessOutput out = MustProcess("utf16.csv");
  EXPECT_EQ(out.metadata_json,
            R"({"type":"csv","delimiter":",","has_header":true,"encoding":"utf-16-le","row_count":2,)"
            R"("column_count":2,"columns":[{"name":"name","type":"string","null_count":0},)"
            R"({"name":"age","type":"integer","null_count":0}],"preview":[["Zoë","31"],["李","42"]],)"
            R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.text, "name,age\nZoë,31\n李,42\n");
}

TEST(CsvFileTest, Latin1FallbackIsTranscoded) {
  ProcessOutput out = MustProcess("latin1.csv");
  EXPECT_EQ(out.metadata_json,
            R"({"type":"csv","delimiter":",","has_header":true,"encoding":"latin-1","row_count":2,)"
            R"("column_count":2,"columns":[{"name":"nom","type":"string","null_count":0},)"
            R"({"name":"ville","type":"string","null_count":0}],)"
            R"("preview":[["José","Orléans"],["Renée","Besançon"]],)"
            R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.text, "nom,ville\nJosé,Orléans\nRenée,Besançon\n");
}

TEST(CsvFileTest, Utf8BomTabsPipesAndHeaderlessFiles) {
  EXPECT_EQ(MustProcess("bom.csv").metadata_json,
            R"({"type":"csv","delimiter":",","has_header":true,"encoding":"utf-8-sig","row_count":1,)"
            R"("column_count":2,"columns":[{"name":"a","type":"integer","null_count":0},)"
            R"({"name":"b","type":"integer","null_count":0}],"preview":[["1","2"]],)"
            R"("detected_by":"content+extension","extension_mismatch":false})");
  ProcessOutput tsv = MustProcess("tabs.tsv");
  EXPECT_EQ(tsv.mime_type, "text/tab-separated-values");
  EXPECT_EQ(tsv.metadata_json,
            R"({"type":"csv","delimiter":"\t","has_header":true,"encoding":"utf-8","row_count":2,)"
            R"("column_count":2,"columns":[{"name":"x","type":"integer","null_count":0},)"
            R"({"name":"y","type":"integer","null_count":0}],"preview":[["1","2"],["3","4"]],)"
            R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(tsv.summary,
            "CSV file with 2 rows and 2 columns: x (integer), y (integer). Fields are separated by a tab.");
  EXPECT_EQ(MustProcess("pipes.csv").metadata_json,
            R"({"type":"csv","delimiter":"|","has_header":true,"encoding":"utf-8","row_count":2,)"
            R"("column_count":2,"columns":[{"name":"k","type":"string","null_count":0},)"
            R"({"name":"v","type":"integer","null_count":0}],"preview":[["alpha","1"],["beta","2"]],)"
            R"("detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(
      MustProcess("noheader.csv").metadata_json,
      R"({"type":"csv","delimiter":",","has_header":false,"encoding":"utf-8","row_count":3,)"
      R"("column_count":3,"columns":[{"name":"column_1","type":"integer","null_count":0},)"
      R"({"name":"column_2","type":"float","null_count":0},{"name":"column_3","type":"date","null_count":0}],)"
      R"("preview":[["1","2.5","2024-01-01"],["2","3.5","2024-01-02"],["3","4.5","2024-01-03"]],)"
      R"("detected_by":"content+extension","extension_mismatch":false})");
}

TEST(CsvFileTest, EmptyFile) {
  const std::string path = testing::WriteTemp("empty.csv", "");
  Result<ProcessOutput> out = ProcessFile(path, "empty.csv", ProcessLimits());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->metadata_json,
            R"({"type":"csv","delimiter":",","has_header":false,"encoding":"utf-8","row_count":0,)"
            R"("column_count":0,"columns":[],"preview":[],"detected_by":"content+extension",)"
            R"("extension_mismatch":false})");
  EXPECT_EQ(out->summary, "CSV file with 0 rows and 0 columns.");
}

TEST(CsvFileTest, TextIsCappedAtACharacterBoundary) {
  ProcessLimits limits;
  limits.max_text_bytes = 18;  // "nom,ville\nJosé,Or" is 18 bytes once transcoded; "é" must not split.
  ProcessOutput out = MustProcess("latin1.csv", "latin1.csv", limits);
  EXPECT_EQ(out.text, "nom,ville\nJosé,Or");
  limits.max_text_bytes = 14;  // Would cut "é" in half.
  EXPECT_EQ(MustProcess("latin1.csv", "latin1.csv", limits).text, "nom,ville\nJos");
}

TEST(CsvAnalyzerTest, EverySplitOfTheInputGivesTheSameTable) {
  const std::string data = "a,b,c\r\n\"x\"\"y\",\"1,2\",3\r\n\"multi\r\nline\",,4\r\n\r\nlast,\"q\"\"\",5";
  const std::string whole = Analyze(data);
  EXPECT_EQ(whole,
            R"({"has_header":true,"row_count":3,"columns":[{"name":"a","type":"string","null_count":0},)"
            R"({"name":"b","type":"string","null_count":1},{"name":"c","type":"integer","null_count":0}],)"
            R"("preview":[["x\"y","1,2","3"],["multi\r\nline","","4"],["last","q\"","5"]]})");
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    EXPECT_EQ(AnalyzeInPieces(data, ',', {cut}), whole) << "cut at " << cut;
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < data.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(AnalyzeInPieces(data, ',', every_byte), whole);
}

TEST(CsvAnalyzerTest, BlankLinesTrailingDelimiterAndMissingFinalBreak) {
  EXPECT_EQ(Analyze("a,b\n\n1,2\n\n\n"),
            R"({"has_header":true,"row_count":1,"columns":[{"name":"a","type":"integer","null_count":0},)"
            R"({"name":"b","type":"integer","null_count":0}],"preview":[["1","2"]]})");
  EXPECT_EQ(Analyze("a,b\n1,"),
            R"({"has_header":true,"row_count":1,"columns":[{"name":"a","type":"integer","null_count":0},)"
            R"({"name":"b","type":"string","null_count":1}],"preview":[["1",""]]})");
  // A record of two empty fields is not a blank line.
  EXPECT_EQ(Analyze("a,b\n,\n1,2\n"),
            R"({"has_header":true,"row_count":2,"columns":[{"name":"a","type":"integer","null_count":1},)"
            R"({"name":"b","type":"integer","null_count":1}],"preview":[["",""],["1","2"]]})");
}

TEST(CsvAnalyzerTest, LenientQuotes) {
  // An unterminated quote runs to the end; a quote inside an unquoted field is text.
  EXPECT_EQ(Analyze("h\n\"abc\ndef"),
            R"({"has_header":true,"row_count":1,"columns":[{"name":"h","type":"string","null_count":0}],)"
            R"("preview":[["abc\ndef"]]})");
  EXPECT_EQ(Analyze("h,i\nab\"c,\"x\"y\n"),
            R"({"has_header":true,"row_count":1,"columns":[{"name":"h","type":"string","null_count":0},)"
            R"({"name":"i","type":"string","null_count":0}],"preview":[["ab\"c","xy"]]})");
}

TEST(CsvAnalyzerTest, PreviewKeepsFiveRowsAndCountsAll) {
  std::string data = "n\n";
  for (int i = 1; i <= 1000; ++i) data += std::to_string(i) + "\n";
  EXPECT_EQ(Analyze(data),
            R"({"has_header":true,"row_count":1000,"columns":[{"name":"n","type":"integer","null_count":0}],)"
            R"("preview":[["1"],["2"],["3"],["4"],["5"]]})");
}

TEST(CsvAnalyzerTest, ALaterValueDemotesTheColumnType) {
  EXPECT_EQ(Analyze("v\n1\n2\n2.5\n"),
            R"({"has_header":true,"row_count":3,"columns":[{"name":"v","type":"float","null_count":0}],)"
            R"("preview":[["1"],["2"],["2.5"]]})");
  EXPECT_EQ(Analyze("v\n2024-01-01\n2024-01-02 10:00\n"),
            R"({"has_header":true,"row_count":2,"columns":[{"name":"v","type":"datetime","null_count":0}],)"
            R"("preview":[["2024-01-01"],["2024-01-02 10:00"]]})");
  EXPECT_EQ(Analyze("v\n1\nx\n"),
            R"({"has_header":true,"row_count":2,"columns":[{"name":"v","type":"string","null_count":0}],)"
            R"("preview":[["1"],["x"]]})");
}

TEST(CsvAnalyzerTest, TooManyColumnsIsRefused) {
  CsvAnalyzer a(',', 2);
  a.Feed("a,b,c\n");
  a.Finish();
  EXPECT_EQ(a.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(a.status().reason(), "processing_limit");
  EXPECT_EQ(a.status().message(), "the CSV file has more than 2 columns");
}

TEST(CsvAnalyzerTest, DetectsTheDelimiter) {
  EXPECT_EQ(DetectCsvDelimiter("a,b,c\n1,2,3\n"), ',');
  EXPECT_EQ(DetectCsvDelimiter("name;price\nfoo;1,5\nbar;2,5\n"), ';');
  EXPECT_EQ(DetectCsvDelimiter("a\tb\n1\t2\n"), '\t');
  EXPECT_EQ(DetectCsvDelimiter("a|b\n1|2\n"), '|');
  EXPECT_EQ(DetectCsvDelimiter("\"x;y\",z\n\"1;2\",3\n"), ',');  // Delimiters inside quotes do not count.
  EXPECT_EQ(DetectCsvDelimiter("single\ncolumn\n"), ',');
  EXPECT_EQ(DetectCsvDelimiter(""), ',');
}

TEST(TableStatsTest, ClassifiesValues) {
  EXPECT_EQ(ClassifyText("42"), kKindInteger | kKindFloat);
  EXPECT_EQ(ClassifyText("-7"), kKindInteger | kKindFloat);
  EXPECT_EQ(ClassifyText(" 12 "), kKindInteger | kKindFloat);
  EXPECT_EQ(ClassifyText("1234567890123456789"), kKindFloat);  // 19 digits: beyond integer.
  EXPECT_EQ(ClassifyText("3.14"), kKindFloat);
  EXPECT_EQ(ClassifyText(".5"), kKindFloat);
  EXPECT_EQ(ClassifyText("1e-3"), kKindFloat);
  EXPECT_EQ(ClassifyText("1.2.3"), 0);
  EXPECT_EQ(ClassifyText("-"), 0);
  EXPECT_EQ(ClassifyText("1e"), 0);
  EXPECT_EQ(ClassifyText("True"), kKindBoolean);
  EXPECT_EQ(ClassifyText("NO"), kKindBoolean);
  EXPECT_EQ(ClassifyText("maybe"), 0);
  EXPECT_EQ(ClassifyText("2024-02-29"), kKindDate | kKindDateTime);
  EXPECT_EQ(ClassifyText("2024/02/29"), kKindDate | kKindDateTime);
  EXPECT_EQ(ClassifyText("29.02.2024"), kKindDate | kKindDateTime);
  EXPECT_EQ(ClassifyText("12/31/2024"), kKindDate | kKindDateTime);
  EXPECT_EQ(ClassifyText("31/12/2024"), kKindDate | kKindDateTime);
  EXPECT_EQ(ClassifyText("2024-13-01"), 0);
  EXPECT_EQ(ClassifyText("13/13/2024"), 0);
  EXPECT_EQ(ClassifyText("2024-01-02T03:04"), kKindDateTime);
  EXPECT_EQ(ClassifyText("2024-01-02 03:04:05.123456"), kKindDateTime);
  EXPECT_EQ(ClassifyText("2024-01-02T03:04:05Z"), kKindDateTime);
  EXPECT_EQ(ClassifyText("2024-01-02T03:04:05-0500"), kKindDateTime);
  EXPECT_EQ(ClassifyText("2024-01-02T25:00"), 0);
  EXPECT_EQ(ClassifyText("2024-01-02X03:04"), 0);
  EXPECT_EQ(ClassifyText("42", kKindFloat), kKindFloat);  // Only the candidates asked for.
  EXPECT_EQ(ClassifyText("true", kKindInteger), 0);
}

TEST(TableStatsTest, RecognisesNulls) {
  for (const char* v :
       {"", "  ", "\t", "NA", "N/A", "n/a", "#N/A", "NULL", "null", "None", "NaN", "nan", " NA "}) {
    EXPECT_TRUE(IsNullText(v)) << "'" << v << "'";
  }
  for (const char* v : {"0", "N", "none", "Nope", "nil", "-"}) EXPECT_FALSE(IsNullText(v)) << v;
}

TEST(TableStatsTest, HeaderDecision) {
  auto cell = [](std::string v) {
    FirstRowCell c;
    c.is_null = IsNullText(v);
    c.kinds = c.is_null ? 0 : ClassifyText(v);
    c.value = std::move(v);
    return c;
  };
  ColumnStats ints;
  ints.Add(kKindInteger | kKindFloat);
  ColumnStats strings;
  strings.Add(0);
  EXPECT_TRUE(DecideHeader({cell("id")}, {ints}));
  EXPECT_FALSE(DecideHeader({cell("7")}, {ints}));
  EXPECT_TRUE(DecideHeader({cell("name"), cell("city")}, {strings, strings}));   // Distinct strings.
  EXPECT_FALSE(DecideHeader({cell("same"), cell("same")}, {strings, strings}));  // Not distinct.
  EXPECT_FALSE(DecideHeader({cell("x"), cell("")}, {strings, strings}));         // A null cell.
  EXPECT_FALSE(DecideHeader({}, {}));
}

TEST(JsonWriterTest, EscapesAndReplacesInvalidUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01\xff\xc3\xa9", 10));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\xC3\xA9\"");
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1204), "1,204");
  EXPECT_EQ(FormatCount(12345678), "12,345,678");
  EXPECT_EQ(CountNoun(1, "row", "rows"), "1 row");
  EXPECT_EQ(CountNoun(1000, "row", "rows"), "1,000 rows");
}

}  // namespace
}  // namespace filesd::process
