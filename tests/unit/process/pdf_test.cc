#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "process/isolated_runner.h"
#include "process/process_file.h"

namespace filesd::process {
namespace {

using testing::Fixture;
using testing::MustProcess;

// The fields that say nothing was left out.
constexpr std::string_view kWhole =
    R"("ocr_skipped_pages":[],"ocr_skipped_page_count":0,"truncated":false,"truncation_reasons":[])";

// Metadata of an untitled PDF (scanned.pdf, mixed.pdf).
std::string UntitledMeta(int pages, int chars, int ocr_pages, std::string_view truncation = kWhole) {
  return R"({"type":"pdf","page_count":)" + std::to_string(pages) +
         R"(,"encrypted":false,"title":"untitled","author":"anonymous","text_chars":)" +
         std::to_string(chars) + R"(,"ocr_pages":)" + std::to_string(ocr_pages) + "," +
         std::string(truncation) + R"(,"detected_by":"content+extension","extension_mismatch":false})";
}

TEST(PdfTest, TextPageAndOcrOfAnImageOnlyPage) {
  ProcessOutput out = MustProcess("report.pdf");
  EXPECT_EQ(out.type, "pdf");
  EXPECT_EQ(out.mime_type, "application/pdf");
  EXPECT_EQ(out.metadata_json, R"({"type":"pdf","page_count":2,"encrypted":false,"title":"Quarterly Report",)"
                               R"("author":"Ada Lovelace","text_chars":41,"ocr_pages":1,)" +
                                   std::string(kWhole) +
                                   R"(,"detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(out.text, "Revenue grew in the third quarter.\fINVOICE");
  EXPECT_EQ(
      out.summary,
      "PDF document with 2 pages, titled \"Quarterly Report\" by Ada Lovelace. It contains 41 characters "
      "of text (1 page read by OCR).");
}

TEST(PdfTest, OcrPageLimit) {
  ProcessLimits limits;
  limits.max_ocr_pages = 0;
  ProcessOutput out = MustProcess("report.pdf", "report.pdf", limits);
  EXPECT_EQ(
      out.metadata_json,
      R"({"type":"pdf","page_count":2,"encrypted":false,"title":"Quarterly Report",)"
      R"("author":"Ada Lovelace","text_chars":34,"ocr_pages":0,)"
      R"("ocr_skipped_pages":[{"first":2,"last":2,"reason":"ocr_page_limit"}],"ocr_skipped_page_count":1,)"
      R"("truncated":true,"truncation_reasons":["ocr_page_limit"],"detected_by":"content+extension",)"
      R"("extension_mismatch":false})");
  EXPECT_EQ(out.text, "Revenue grew in the third quarter.\f");
  EXPECT_EQ(
      out.summary,
      "PDF document with 2 pages, titled \"Quarterly Report\" by Ada Lovelace. It contains 34 characters "
      "of text. Page 2 was not read by OCR (OCR is turned off).");
}

// Every page is one part of the text, form feeds between them, whether its text came from OCR or the
// text layer; the OCR threads keep the page order.
TEST(PdfTest, ScannedPagesAreJoinedByFormFeedsInPageOrder) {
  ProcessOutput scanned = MustProcess("scanned.pdf");
  EXPECT_EQ(scanned.text, "ALPHA\fBRAVO\fCHARLIE");
  EXPECT_EQ(scanned.metadata_json, UntitledMeta(3, 17, 3));
  EXPECT_EQ(scanned.summary,
            "PDF document with 3 pages, titled \"untitled\" by anonymous. It contains 17 characters of text "
            "(3 pages read by OCR).");

  ProcessOutput mixed = MustProcess("mixed.pdf");
  EXPECT_EQ(mixed.text, "Page one has text.\fALPHA\fBRAVO\fClosing page.");
  EXPECT_EQ(mixed.metadata_json, UntitledMeta(4, 41, 2));
}

TEST(PdfTest, PagesBeyondTheOcrPageLimitAreNamed) {
  ProcessLimits limits;
  limits.max_ocr_pages = 1;
  ProcessOutput out = MustProcess("scanned.pdf", "scanned.pdf", limits);
  // Unread pages stay in place, empty: page 3's text is still the third part.
  EXPECT_EQ(out.text, "ALPHA\f\f");
  EXPECT_EQ(
      out.metadata_json,
      UntitledMeta(3, 5, 1,
                   R"("ocr_skipped_pages":[{"first":2,"last":3,"reason":"ocr_page_limit"}],)"
                   R"("ocr_skipped_page_count":2,"truncated":true,"truncation_reasons":["ocr_page_limit"])"));
  EXPECT_EQ(out.summary,
            "PDF document with 3 pages, titled \"untitled\" by anonymous. It contains 5 characters of text "
            "(1 page read by OCR). Pages 2-3 were not read by OCR (limit of 1 OCR page).");

  ProcessOutput mixed = MustProcess("mixed.pdf", "mixed.pdf", limits);
  EXPECT_EQ(mixed.text, "Page one has text.\fALPHA\f\fClosing page.");
}

TEST(PdfTest, PagesLeftByTheTimeLimitAreNamed) {
  ProcessLimits limits;
  limits.max_seconds = 1e-9;  // Spent before OCR starts.
  ProcessOutput out = MustProcess("mixed.pdf", "mixed.pdf", limits);
  EXPECT_EQ(out.text, "Page one has text.\f\f\fClosing page.");
  EXPECT_EQ(
      out.metadata_json,
      UntitledMeta(4, 31, 0,
                   R"("ocr_skipped_pages":[{"first":2,"last":3,"reason":"time_limit"}],)"
                   R"("ocr_skipped_page_count":2,"truncated":true,"truncation_reasons":["time_limit"])"));
  EXPECT_EQ(out.summary,
            "PDF document with 4 pages, titled \"untitled\" by anonymous. It contains 31 characters of text. "
            "Pages 2-3 were not read by OCR (time limit of 1e-09 s reached).");
}

TEST(PdfTest, TextCutAtTheSizeLimitSaysSo) {
  ProcessLimits limits;
  limits.max_text_bytes = 10;
  ProcessOutput out = MustProcess("mixed.pdf", "mixed.pdf", limits);
  EXPECT_EQ(out.text, "Page one h");
  // Pages past the cap are not read by OCR at all.
  EXPECT_EQ(out.metadata_json,
            UntitledMeta(
                4, 31, 0,
                R"("ocr_skipped_pages":[{"first":2,"last":3,"reason":"text_size_limit"}],)"
                R"("ocr_skipped_page_count":2,"truncated":true,"truncation_reasons":["text_size_limit"])"));
  EXPECT_EQ(
      out.summary,
      "PDF document with 4 pages, titled \"untitled\" by anonymous. It contains 31 characters of text. "
      "Pages 2-3 were not read by OCR (text size limit of 10 bytes reached). The text is cut at the size "
      "limit of 10 bytes.");
}

TEST(PdfTest, EncryptedWithAnEmptyUserPassword) {
  ProcessOutput out = MustProcess("encrypted.pdf");
  EXPECT_EQ(out.metadata_json, R"({"type":"pdf","page_count":2,"encrypted":true,"title":"Quarterly Report",)"
                               R"("author":"Ada Lovelace","text_chars":41,"ocr_pages":1,)" +
                                   std::string(kWhole) +
                                   R"(,"detected_by":"content+extension","extension_mismatch":false})");
  EXPECT_EQ(
      out.summary,
      "PDF document with 2 pages, titled \"Quarterly Report\" by Ada Lovelace. It contains 41 characters "
      "of text (1 page read by OCR). The document is encrypted.");
}

TEST(PdfTest, HostilePdfsEndInACleanErrorThroughTheWorker) {
  for (const char* f : {"truncated.pdf", "random.pdf"}) {
    Result<ProcessOutput> out = RunIsolated(testing::WorkerPath(), Fixture(f), f, ProcessLimits());
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << f;
    EXPECT_EQ(out.status().reason(), "invalid_file") << f;
    EXPECT_EQ(out.status().message(), "the file is not a readable PDF document") << f;
  }
  Result<ProcessOutput> ok =
      RunIsolated(testing::WorkerPath(), Fixture("report.pdf"), "report.pdf", ProcessLimits());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->text, "Revenue grew in the third quarter.\fINVOICE");
}

// The worker reads pages on its OCR threads within its own limits (address space, CPU time).
TEST(PdfTest, ScannedPagesThroughTheWorker) {
  ProcessLimits limits;
  limits.max_ocr_pages = 2;
  Result<ProcessOutput> out =
      RunIsolated(testing::WorkerPath(), Fixture("scanned.pdf"), "scanned.pdf", limits);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->text, "ALPHA\fBRAVO\f");
  EXPECT_EQ(
      out->metadata_json,
      UntitledMeta(3, 10, 2,
                   R"("ocr_skipped_pages":[{"first":3,"last":3,"reason":"ocr_page_limit"}],)"
                   R"("ocr_skipped_page_count":1,"truncated":true,"truncation_reasons":["ocr_page_limit"])"));
  EXPECT_EQ(out->summary,
            "PDF document with 3 pages, titled \"untitled\" by anonymous. It contains 10 characters of text "
            "(2 pages read by OCR). Page 3 was not read by OCR (limit of 2 OCR pages).");
}

}  // namespace
}  // namespace filesd::process
