#include "process/pdf_processor.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "process/json_writer.h"
#include "process/ocr.h"
#include "process/parallel_ocr.h"
#include "process/text_decode.h"
#include "process/truncation.h"

namespace filesd::process {

namespace {

// Share of max_seconds that OCR of all pages may take; the rest is for the answer and safety margin, so
// that the worker answers with the pages it read before the runner kills it at max_seconds.
constexpr double kOcrTimeShare = 0.8;

using Clock = std::chrono::steady_clock;

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

// Renders a page in grey at ocr_dpi, lowered so that the bitmap stays within max_pixels. kPixelLimit
// when that would be below 20 dpi (it would not read anyway), kRenderFailed when poppler cannot.
GrayImage RenderPage(const poppler::page& page, const ProcessLimits& limits,
                     std::optional<TruncationReason>* why_not) {
  const poppler::rectf box = page.page_rect();
  const double w_in = std::max(box.width(), 1.0) / 72.0, h_in = std::max(box.height(), 1.0) / 72.0;
  double dpi = std::max(limits.ocr_dpi, 1);
  const double pixels = w_in * h_in * dpi * dpi;
  if (pixels > static_cast<double>(limits.max_pixels))
    dpi *= std::sqrt(static_cast<double>(limits.max_pixels) / pixels);
  if (dpi < 20) {
    *why_not = TruncationReason::kPixelLimit;
    return GrayImage();
  }
  poppler::page_renderer renderer;
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  renderer.set_image_format(poppler::image::format_gray8);
  const poppler::image img = renderer.render_page(&page, dpi, dpi);
  if (!img.is_valid() || img.width() <= 0 || img.height() <= 0 || img.bytes_per_row() < img.width()) {
    *why_not = TruncationReason::kRenderFailed;
    return GrayImage();
  }
  GrayImage out;
  out.width = img.width();
  out.height = img.height();
  out.stride = img.bytes_per_row();
  out.dpi = static_cast<int>(dpi);
  const size_t bytes = static_cast<size_t>(out.stride) * static_cast<size_t>(out.height);
  out.pixels.resize(bytes);
  std::memcpy(out.pixels.data(), img.const_data(), bytes);
  return out;
}

// What became of one page's text.
struct PageText {
  std::string text;                          // Trimmed; empty for a page beyond the text size cap.
  std::optional<TruncationReason> not_read;  // Set when the page has no text layer and OCR skipped it.
};

}  // namespace

Result<ProcessOutput> PdfProcessor::Process(ByteSource& src, const ProcessLimits& limits) {
  const auto start = Clock::now();
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

  // Pass 1: the text layer of every page. A page's text is kept only while the text before it (text
  // layers and separators) is within max_text_bytes, so memory stays bounded by the cap.
  Truncation truncation;
  if (locked) truncation.Add(TruncationReason::kPassword);
  std::vector<PageText> pages(locked ? 0 : static_cast<size_t>(page_count));
  uint64_t text_chars = 0, known_bytes = 0;
  std::vector<int> ocr_wanted;
  for (int i = 0; i < static_cast<int>(pages.size()); ++i) {
    PageText& p = pages[static_cast<size_t>(i)];
    if (i > 0) ++known_bytes;  // The form feed before the page.
    const bool beyond_cap = known_bytes >= limits.max_text_bytes;
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;  // An unreadable page is an empty one.
    std::string text = Utf8(page->text());
    // Poppler ends a page with a line break and a form feed; the pages are joined with one below.
    text.resize(text.find_last_not_of(" \t\r\n\f\v") + 1);
    if (!IsBlank(text)) {
      text_chars += CodePoints(text);
      known_bytes += text.size();
      if (!beyond_cap) p.text = std::move(text);
      continue;
    }
    if (beyond_cap) {
      p.not_read = TruncationReason::kTextSizeLimit;
    } else if (static_cast<int>(ocr_wanted.size()) >= limits.max_ocr_pages) {
      p.not_read = TruncationReason::kOcrPageLimit;
    } else {
      ocr_wanted.push_back(i);
    }
  }

  // Pass 2: pages without a text layer, rendered here one after another and read by OCR on
  // OcrThreadCount threads; whatever is not done by the deadline is left unread, and said so.
  int ocr_pages = 0;
  if (!ocr_wanted.empty()) {
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(limits.max_seconds * kOcrTimeShare));
    ParallelOcr ocr(std::min(OcrThreadCount(limits), static_cast<int>(ocr_wanted.size())), deadline);
    for (int i : ocr_wanted) {
      PageText& p = pages[static_cast<size_t>(i)];
      if (Clock::now() >= deadline) {
        p.not_read = TruncationReason::kTimeLimit;
        continue;
      }
      std::unique_ptr<poppler::page> page(doc->create_page(i));
      std::optional<TruncationReason> why_not = TruncationReason::kRenderFailed;
      GrayImage image;
      if (page) {
        why_not.reset();
        image = RenderPage(*page, limits, &why_not);
      }
      if (why_not) {
        p.not_read = why_not;
        continue;
      }
      ocr.Submit(i, std::move(image));
    }
    for (OcrPageResult& r : ocr.Finish()) {
      PageText& p = pages[static_cast<size_t>(r.index)];
      switch (r.status) {
        case OcrPageStatus::kRead:
          ++ocr_pages;
          text_chars += CodePoints(r.text);
          p.text = std::move(r.text);
          break;
        case OcrPageStatus::kTimeLimit:
          p.not_read = TruncationReason::kTimeLimit;
          break;
        case OcrPageStatus::kUnavailable:
          p.not_read = TruncationReason::kOcrUnavailable;
          break;
      }
    }
  }

  // The text: every page in order, joined by form feeds whether it came from the text layer or OCR
  // (a page left unread is an empty one, so page N is always the Nth part).
  TextCapture text(limits.max_text_bytes);
  uint64_t text_bytes = 0;
  SkippedPages skipped;
  for (size_t i = 0; i < pages.size(); ++i) {
    if (i > 0) text.Feed("\f");
    text.Feed(pages[i].text);
    text_bytes += (i > 0 ? 1 : 0) + pages[i].text.size();
    if (pages[i].not_read) {
      skipped.Add(static_cast<int>(i) + 1, *pages[i].not_read);
      truncation.Add(*pages[i].not_read);
    }
  }
  if (text_bytes > limits.max_text_bytes || known_bytes > limits.max_text_bytes)
    truncation.Add(TruncationReason::kTextSizeLimit);

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
  skipped.WriteFields(w);
  truncation.WriteFields(w);
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
    out.summary += skipped.Sentences(limits);
    if (truncation.Has(TruncationReason::kTextSizeLimit))
      out.summary +=
          " The text is cut at the size limit of " + CountNoun(limits.max_text_bytes, "byte", "bytes") + ".";
    if (encrypted) out.summary += " The document is encrypted.";
  }
  out.text = text.Finish(false);
  return out;
}

}  // namespace filesd::process
