#include "process/pdf_processor.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>

#include "process/json_writer.h"
#include "process/ocr.h"
#include "process/text_decode.h"

namespace filesd::process {

namespace {

// Share of max_seconds that OCR of all pages may take; later pages are left unread.
constexpr double kOcrTimeShare = 0.8;

void SilencePoppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

std::string Utf8(const poppler::ustring& s) {
  const poppler::byte_array bytes = s.to_utf8();
  return SanitizeUtf8(std::string_view(bytes.data(), bytes.size()));
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos; }

uint64_t CodePoints(std::string_view s) {
  uint64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Renders a page in grey at `dpi`, lowered so that the bitmap stays within max_pixels, and reads it.
std::string OcrPage(const poppler::page& page, const ProcessLimits& limits, OcrEngine& engine,
                    std::chrono::steady_clock::time_point deadline) {
  const poppler::rectf box = page.page_rect();
  const double w_in = std::max(box.width(), 1.0) / 72.0, h_in = std::max(box.height(), 1.0) / 72.0;
  double dpi = std::max(limits.ocr_dpi, 1);
  const double pixels = w_in * h_in * dpi * dpi;
  if (pixels > static_cast<double>(limits.max_pixels))
    dpi *= std::sqrt(static_cast<double>(limits.max_pixels) / pixels);
  if (dpi < 20) return "";  // A page this large would not read anyway.
  poppler::page_renderer renderer;
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  renderer.set_image_format(poppler::image::format_gray8);
  const poppler::image img = renderer.render_page(&page, dpi, dpi);
  if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) return "";
  return engine.Recognize(reinterpret_cast<const uint8_t*>(img.const_data()), img.width(), img.height(),
                          img.bytes_per_row(), static_cast<int>(dpi), deadline);
}

}  // namespace

Result<ProcessOutput> PdfProcessor::Process(ByteSource& src, const ProcessLimits& limits) {
  const auto start = std::chrono::steady_clock::now();
  const std::string path(src.file_path());
  if (path.empty()) return InvalidArgument("the PDF processor needs a file path");
  SilencePoppler();
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
  if (!doc) return InvalidFile("the file is not a readable PDF document");

  const bool encrypted = doc->is_encrypted();
  const bool locked = doc->is_locked();
  const int page_count = std::max(0, doc->pages());
  if (page_count == 0 && !locked) return InvalidFile("the PDF document has no readable page");
  std::string title, author;
  if (!locked) {
    title = Utf8(doc->get_title());
    author = Utf8(doc->get_author());
  }

  TextCapture text(limits.max_text_bytes);
  uint64_t text_chars = 0;
  int ocr_pages = 0;
  std::unique_ptr<OcrEngine> engine;
  bool engine_failed = false;
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(limits.max_seconds * kOcrTimeShare));
  for (int i = 0; i < page_count && !locked; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    std::string page_text = Utf8(page->text());
    // Poppler ends a page with a line break and a form feed; the pages are joined with one below.
    page_text.resize(page_text.find_last_not_of(" \t\r\n\f\v") + 1);
    if (IsBlank(page_text)) {
      page_text.clear();
      if (ocr_pages < limits.max_ocr_pages && std::chrono::steady_clock::now() < deadline) {
        if (!engine && !engine_failed) {
          Result<std::unique_ptr<OcrEngine>> created = OcrEngine::Create();
          engine_failed = !created.ok();
          if (created.ok()) engine = std::move(created).value();
        }
        if (engine) {
          page_text = OcrPage(*page, limits, *engine, deadline);
          ++ocr_pages;
        }
      }
    }
    if (i > 0) text.Feed("\f");
    text.Feed(page_text);
    text_chars += CodePoints(page_text);
  }

  ProcessOutput out;
  out.type = "pdf";
  out.mime_type = "application/pdf";
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("pdf");
  w.Key("page_count").Int(page_count);
  w.Key("encrypted").Bool(encrypted);
  w.Key("title");
  title.empty() ? w.Null() : w.String(title);
  w.Key("author");
  author.empty() ? w.Null() : w.String(author);
  w.Key("text_chars").Uint(text_chars);
  w.Key("ocr_pages").Int(ocr_pages);
  w.EndObject();
  out.metadata_json = w.Take();

  out.summary = "PDF document with " + CountNoun(static_cast<uint64_t>(page_count), "page", "pages");
  if (!title.empty()) out.summary += ", titled \"" + title + "\"";
  if (!author.empty()) out.summary += " by " + author;
  out.summary += ".";
  if (locked) {
    out.summary += " It is protected by a password, so its text could not be read.";
  } else {
    out.summary += " It contains " + CountNoun(text_chars, "character", "characters") + " of text";
    if (ocr_pages > 0)
      out.summary += " (" + CountNoun(static_cast<uint64_t>(ocr_pages), "page", "pages") + " read by OCR)";
    out.summary += ".";
    if (encrypted) out.summary += " The document is encrypted.";
  }
  out.text = text.Finish(false);
  return out;
}

}  // namespace filesd::process
