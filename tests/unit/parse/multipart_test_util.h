// A MultipartHandler that records what the parser reports, shared by the multipart tests.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "api/parse/multipart_parser.h"

namespace filesd::testing {

struct RecordedPart {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string data;
  bool ended = false;

  bool operator==(const RecordedPart&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const RecordedPart& p) {
  os << "{name=\"" << p.name << "\" filename=" << (p.filename ? "\"" + *p.filename + "\"" : "none")
     << " content_type=\"" << p.content_type << "\" data(" << p.data.size() << ")=\""
     << p.data.substr(0, 64) << "\" ended=" << p.ended << "}";
  return os;
}

class RecordingHandler : public MultipartHandler {
 public:
  Status OnPartBegin(const MultipartPartHeaders& headers) override {
    EXPECT_FALSE(open_) << "OnPartBegin inside a part";
    open_ = true;
    parts.push_back({headers.name, headers.filename, headers.content_type, "", false});
    ++begin_calls;
    if (fail_begin_at == begin_calls) return fail_status;
    return Status::Ok();
  }
  Status OnPartData(std::string_view data) override {
    EXPECT_TRUE(open_) << "OnPartData outside a part";
    EXPECT_FALSE(data.empty()) << "empty OnPartData";
    if (!parts.empty()) parts.back().data.append(data);
    pieces.push_back(data);
    ++data_calls;
    if (fail_data_at == data_calls) return fail_status;
    return Status::Ok();
  }
  Status OnPartEnd() override {
    EXPECT_TRUE(open_) << "OnPartEnd outside a part";
    open_ = false;
    if (!parts.empty()) parts.back().ended = true;
    ++end_calls;
    if (fail_end_at == end_calls) return fail_status;
    return Status::Ok();
  }

  std::vector<RecordedPart> parts;
  std::vector<std::string_view> pieces;  // every OnPartData argument (valid during the call only)
  int begin_calls = 0;
  int data_calls = 0;
  int end_calls = 0;
  // Failure injection: the n-th call (1-based) of a kind returns fail_status.
  int fail_begin_at = 0;
  int fail_data_at = 0;
  int fail_end_at = 0;
  Status fail_status;

 private:
  bool open_ = false;
};

struct ParseOutcome {
  Status feed;    // first non-OK Feed(), or OK
  Status finish;  // Finish(), called only when every Feed() succeeded
  bool done = false;
  std::vector<RecordedPart> parts;
};

// Feeds `body` in the pieces that `cuts` (ascending offsets) delimit, then calls Finish().
inline ParseOutcome ParseWithCuts(std::string_view body, const std::string& boundary,
                                  const std::vector<size_t>& cuts, MultipartLimits limits = {}) {
  RecordingHandler handler;
  MultipartParser parser(boundary, &handler, limits);
  ParseOutcome out;
  size_t pos = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(body.size());
  for (size_t end : ends) {
    Status s = parser.Feed(body.substr(pos, end - pos));
    pos = end;
    if (!s.ok()) {
      out.feed = std::move(s);
      break;
    }
  }
  if (out.feed.ok()) out.finish = parser.Finish();
  out.done = parser.done();
  out.parts = handler.parts;
  return out;
}

inline ParseOutcome ParseWhole(std::string_view body, const std::string& boundary,
                               MultipartLimits limits = {}) {
  return ParseWithCuts(body, boundary, {}, limits);
}

inline ParseOutcome ParseBytewise(std::string_view body, const std::string& boundary,
                                  MultipartLimits limits = {}) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < body.size(); ++i) cuts.push_back(i);
  return ParseWithCuts(body, boundary, cuts, limits);
}

}  // namespace filesd::testing
