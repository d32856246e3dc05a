#include <gtest/gtest.h>

#include "fixtures.h"
#include "process/isolated_runner.h"
#include "process/process_file.h"

namespace filesd::process {
namespace {

using testing::Fixture;
using testing::MustProcess;

TEST(PdfTest, TextPageAndOcrOfAnImageOnlyPage) {
  ProcessOutput out = MustProcess("report.pdf");
  EXPECT_EQ(out.type, "pdf");
  EXPECT_EQ(out.mime_type, "application/pdf");
  EXPECT_EQ(out.metadata_json,
            R"({"type":"pdf","page_count":2,"encrypted":false,"title":"Quarterly Report",)"
            R"("author":"Ada Lovelace","text_chars":41,"ocr_pages":1,"detected_by":"content+extension",)"
            R"("extension_mismatch":false})");
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
  EXPECT_EQ(out.metadata_json,
            R"({"type":"pdf","page_count":2,"encrypted":false,"title":"Quarterly Report",)"
            R"("author":"Ada Lovelace","text_chars":34,"ocr_pages":0,"detected_by":"content+extension",)"
            R"("extension_mismatch":false})");
  EXPECT_EQ(out.text, "Revenue grew in the third quarter.\f");
}

TEST(PdfTest, EncryptedWithAnEmptyUserPassword) {
  ProcessOutput out = MustProcess("encrypted.pdf");
  EXPECT_EQ(out.metadata_json,
            R"({"type":"pdf","page_count":2,"encrypted":true,"title":"Quarterly Report",)"
            R"("author":"Ada Lovelace","text_chars":41,"ocr_pages":1,"detected_by":"content+extension",)"
            R"("extension_mismatch":false})");
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

}  // namespace
}  // namespace filesd::process
