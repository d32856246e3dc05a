#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "process/isolated_runner.h"
#include "process/process_file.h"

namespace filesd::process {
namespace {

using testing::Fixture;
using testing::MustProcess;

// `truncation`: the "truncated" and "truncation_reasons" fields.
constexpr std::string_view kWhole = R"("truncated":false,"truncation_reasons":[])";

std::string ImageMeta(std::string_view format, int w, int h, std::string_view mode, int depth, int frames,
                      std::string_view detected_by = "content+extension", bool mismatch = false,
                      std::string_view truncation = kWhole) {
  return R"({"type":"image","format":")" + std::string(format) + R"(","width":)" + std::to_string(w) +
         R"(,"height":)" + std::to_string(h) + R"(,"color_mode":")" + std::string(mode) +
         R"(","bit_depth":)" + std::to_string(depth) + R"(,"frames":)" + std::to_string(frames) + "," +
         std::string(truncation) + R"(,"detected_by":")" + std::string(detected_by) +
         R"(","extension_mismatch":)" + (mismatch ? "true" : "false") + "}";
}

TEST(ImageTest, EveryFormatAndColorMode) {
  struct Case {
    const char* file;
    std::string meta;
    const char* mime;
  };
  const Case cases[] = {
      {"rgba.png", ImageMeta("png", 30, 20, "RGBA", 8, 1), "image/png"},
      {"gray.png", ImageMeta("png", 17, 9, "L", 8, 1), "image/png"},
      {"graya.png", ImageMeta("png", 5, 6, "LA", 8, 1), "image/png"},
      {"palette.png", ImageMeta("png", 12, 8, "P", 8, 1), "image/png"},
      {"bilevel.png", ImageMeta("png", 33, 7, "1", 1, 1), "image/png"},
      {"deep16.png", ImageMeta("png", 4, 3, "I;16", 16, 1), "image/png"},
      {"photo.jpg", ImageMeta("jpeg", 64, 48, "RGB", 8, 1), "image/jpeg"},
      {"gray.jpg", ImageMeta("jpeg", 40, 30, "L", 8, 1), "image/jpeg"},
      {"cmyk.jpg", ImageMeta("jpeg", 20, 10, "CMYK", 8, 1), "image/jpeg"},
      {"anim.gif", ImageMeta("gif", 16, 16, "L", 8, 3), "image/gif"},
      {"rgba.webp", ImageMeta("webp", 25, 15, "RGBA", 8, 1), "image/webp"},
      {"rgb.tiff", ImageMeta("tiff", 21, 13, "RGB", 8, 1), "image/tiff"},
      // No BMP decoder for OCR (only ImageMagick's, blocked): said, not hidden.
      {"rgb.bmp",
       ImageMeta("bmp", 19, 11, "RGB", 8, 1, "content+extension", false,
                 R"("truncated":true,"truncation_reasons":["ocr_unavailable"])"),
       "image/bmp"},
  };
  for (const Case& c : cases) {
    ProcessOutput out = MustProcess(c.file);
    EXPECT_EQ(out.type, "image") << c.file;
    EXPECT_EQ(out.mime_type, c.mime) << c.file;
    EXPECT_EQ(out.metadata_json, c.meta) << c.file;
  }
  EXPECT_EQ(MustProcess("anim.gif").summary, "GIF image of 16 x 16 pixels, color mode L, 8-bit, 3 frames.");
  EXPECT_EQ(MustProcess("photo.jpg").summary, "JPEG image of 64 x 48 pixels, color mode RGB, 8-bit.");
  EXPECT_EQ(MustProcess("photo.jpg").text, "");
}

TEST(ImageTest, OcrReadsTheTextOfAnImage) {
  ProcessOutput out = MustProcess("ocr.png");
  EXPECT_EQ(out.metadata_json, ImageMeta("png", 480, 160, "RGB", 8, 1));
  EXPECT_EQ(out.text, "FILESD");
  EXPECT_EQ(out.summary,
            "PNG image of 480 x 160 pixels, color mode RGB, 8-bit. It contains text (read by OCR).");
  ProcessLimits no_ocr;
  no_ocr.max_ocr_pages = 0;
  ProcessOutput unread = MustProcess("ocr.png", "ocr.png", no_ocr);
  EXPECT_EQ(unread.text, "");
  EXPECT_EQ(unread.metadata_json, ImageMeta("png", 480, 160, "RGB", 8, 1, "content+extension", false,
                                            R"("truncated":true,"truncation_reasons":["ocr_page_limit"])"));
  EXPECT_EQ(
      unread.summary,
      "PNG image of 480 x 160 pixels, color mode RGB, 8-bit. Its text was not read (OCR is turned off).");
}

TEST(ImageTest, OcrCutShortSaysSo) {
  ProcessLimits tiny;
  tiny.max_text_bytes = 3;
  ProcessOutput cut = MustProcess("ocr.png", "ocr.png", tiny);
  EXPECT_EQ(cut.text, "FIL");
  EXPECT_EQ(cut.metadata_json, ImageMeta("png", 480, 160, "RGB", 8, 1, "content+extension", false,
                                         R"("truncated":true,"truncation_reasons":["text_size_limit"])"));
  EXPECT_EQ(cut.summary,
            "PNG image of 480 x 160 pixels, color mode RGB, 8-bit. It contains text (read by OCR). The text "
            "is cut at the size limit of 3 bytes.");
  // A time budget already spent when OCR would start.
  ProcessLimits no_time;
  no_time.max_seconds = 1e-9;
  ProcessOutput late = MustProcess("ocr.png", "ocr.png", no_time);
  EXPECT_EQ(late.text, "");
  EXPECT_EQ(late.metadata_json, ImageMeta("png", 480, 160, "RGB", 8, 1, "content+extension", false,
                                          R"("truncated":true,"truncation_reasons":["time_limit"])"));
  EXPECT_EQ(
      late.summary,
      "PNG image of 480 x 160 pixels, color mode RGB, 8-bit. Its text was not read (time limit of 1e-09 s "
      "reached).");
}

TEST(ImageTest, ContentWinsOverAWrongExtension) {
  ProcessOutput out = MustProcess("photo.jpg", "photo.pdf");
  EXPECT_EQ(out.metadata_json, ImageMeta("jpeg", 64, 48, "RGB", 8, 1, "content", true));
}

TEST(ImageTest, PixelLimitIsCheckedBeforeDecoding) {
  Result<ProcessOutput> huge = ProcessFile(Fixture("huge.png"), "huge.png", ProcessLimits());
  EXPECT_EQ(huge.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(huge.status().reason(), "processing_limit");
  EXPECT_EQ(huge.status().message(),
            "the image is 100,000 x 100,000 pixels, more than the limit of 100,000,000 pixels");
  ProcessLimits small;
  small.max_pixels = 100;
  Result<ProcessOutput> bmp = ProcessFile(Fixture("rgb.bmp"), "rgb.bmp", small);
  EXPECT_EQ(bmp.status().message(), "the image is 19 x 11 pixels, more than the limit of 100 pixels");
}

TEST(ImageTest, HostileImagesThroughTheWorker) {
  Result<ProcessOutput> huge =
      RunIsolated(testing::WorkerPath(), Fixture("huge.png"), "huge.png", ProcessLimits());
  EXPECT_EQ(huge.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(huge.status().message(),
            "the image is 100,000 x 100,000 pixels, more than the limit of 100,000,000 pixels");
  // Random bytes named .png: libmagic does not know them, the extension sends them here, and the
  // image library refuses them.
  std::string noise;
  for (int i = 0; i < 2048; ++i) noise.push_back(static_cast<char>((i * 131 + 7) % 251));
  const std::string path = testing::WriteTemp("noise.png", noise);
  Result<ProcessOutput> bad = RunIsolated(testing::WorkerPath(), path, "noise.png", ProcessLimits());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "the file is not an image in a supported format (png, jpeg, gif, webp, tiff, bmp)");
  Result<ProcessOutput> isolated =
      RunIsolated(testing::WorkerPath(), Fixture("ocr.png"), "ocr.png", ProcessLimits());
  ASSERT_TRUE(isolated.ok()) << isolated.status().ToString();
  EXPECT_EQ(isolated->text, "FILESD");
}

}  // namespace
}  // namespace filesd::process
