#include "process/truncation.h"

#include <algorithm>
#include <cstdio>

namespace filesd::process {

namespace {

// "30 s", "2.5 s".
std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// "page 5", "pages 11-20", "pages 2, 4-6 and 9"; at most kShown ranges, then "and N more pages".
constexpr size_t kShown = 6;

std::string RangeText(int first, int last) {
  return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

}  // namespace

std::string_view TruncationCode(TruncationReason reason) {
  switch (reason) {
    case TruncationReason::kOcrPageLimit:
      return "ocr_page_limit";
    case TruncationReason::kTimeLimit:
      return "time_limit";
    case TruncationReason::kTextSizeLimit:
      return "text_size_limit";
    case TruncationReason::kOcrUnavailable:
      return "ocr_unavailable";
    case TruncationReason::kPixelLimit:
      return "pixel_limit";
    case TruncationReason::kRenderFailed:
      return "render_failed";
    case TruncationReason::kPassword:
      return "password";
  }
  return "unknown";
}

std::string TruncationWhy(TruncationReason reason, const ProcessLimits& limits) {
  switch (reason) {
    case TruncationReason::kOcrPageLimit:
      return limits.max_ocr_pages == 0 ? std::string("OCR is turned off")
                                       : "limit of " + CountNoun(static_cast<uint64_t>(limits.max_ocr_pages),
                                                                 "OCR page", "OCR pages");
    case TruncationReason::kTimeLimit:
      return "time limit of " + Seconds(limits.max_seconds) + " reached";
    case TruncationReason::kTextSizeLimit:
      return "text size limit of " + CountNoun(limits.max_text_bytes, "byte", "bytes") + " reached";
    case TruncationReason::kOcrUnavailable:
      return "OCR is unavailable";
    case TruncationReason::kPixelLimit:
      return "too large to render";
    case TruncationReason::kRenderFailed:
      return "the page could not be rendered";
    case TruncationReason::kPassword:
      return "protected by a password";
  }
  return "unknown";
}

void Truncation::Add(TruncationReason reason) {
  if (!Has(reason)) reasons_.push_back(reason);
}

bool Truncation::Has(TruncationReason reason) const {
  return std::find(reasons_.begin(), reasons_.end(), reason) != reasons_.end();
}

void Truncation::WriteFields(JsonWriter& w) const {
  w.Key("truncated").Bool(truncated());
  w.Key("truncation_reasons").BeginArray();
  for (TruncationReason r : reasons_) w.String(TruncationCode(r));
  w.EndArray();
}

void SkippedPages::Add(int page, TruncationReason reason) {
  ++count_;
  if (!ranges_.empty() && ranges_.back().reason == reason && ranges_.back().last + 1 == page) {
    ranges_.back().last = page;
  } else {
    ranges_.push_back({page, page, reason});
  }
}

void SkippedPages::WriteFields(JsonWriter& w) const {
  w.Key("ocr_skipped_pages").BeginArray();
  for (size_t i = 0; i < ranges_.size() && i < kMaxListedRanges; ++i) {
    w.BeginObject();
    w.Key("first").Int(ranges_[i].first);
    w.Key("last").Int(ranges_[i].last);
    w.Key("reason").String(TruncationCode(ranges_[i].reason));
    w.EndObject();
  }
  w.EndArray();
  w.Key("ocr_skipped_page_count").Uint(count_);
}

std::string SkippedPages::Sentences(const ProcessLimits& limits) const {
  std::string out;
  std::vector<TruncationReason> order;
  for (const Range& r : ranges_) {
    if (std::find(order.begin(), order.end(), r.reason) == order.end()) order.push_back(r.reason);
  }
  for (TruncationReason reason : order) {
    std::vector<std::string> shown;
    uint64_t pages = 0, more = 0;
    for (const Range& r : ranges_) {
      if (r.reason != reason) continue;
      const auto n = static_cast<uint64_t>(r.last - r.first + 1);
      pages += n;
      if (shown.size() < kShown) {
        shown.push_back(RangeText(r.first, r.last));
      } else {
        more += n;
      }
    }
    std::string list;
    for (size_t i = 0; i < shown.size(); ++i) {
      if (i > 0) list += (i + 1 == shown.size() && more == 0) ? " and " : ", ";
      list += shown[i];
    }
    if (more > 0) list += " and " + CountNoun(more, "more page", "more pages");
    out += pages == 1 ? " Page " + list + " was" : " Pages " + list + " were";
    out += " not read by OCR (" + TruncationWhy(reason, limits) + ").";
  }
  return out;
}

}  // namespace filesd::process
