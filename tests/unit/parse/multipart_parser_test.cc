#include "api/parse/multipart_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "unit/parse/multipart_test_util.h"

namespace filesd {
namespace {

using ::filesd::testing::ParseBytewise;
using ::filesd::testing::ParseOutcome;
using ::filesd::testing::ParseWhole;
using ::filesd::testing::ParseWithCuts;
using ::filesd::testing::RecordedPart;
using ::filesd::testing::RecordingHandler;

// The shape undici (Node's fetch, used by the openai npm package) gives a FormData body.
const std::string kBoundary = "----formdata-undici-032563874911";

// Binary content that keeps nearly looking like a delimiter: partial "\r\n--boundary" prefixes, the
// boundary after a bare LF or without any line break, the boundary with one wrong last byte, CRs in
// front of the real delimiter, NULs and high bytes.
std::string TrickyFileContent() {
  std::string s("PK\x03\x04\0\xff\xfe", 7);
  s += "\r\n--";
  s += "\r\n-";
  s += "\r";
  s += "\r\n";
  s += "\r\n--" + kBoundary.substr(0, 5);
  s += "\r\n--" + kBoundary.substr(0, kBoundary.size() - 1) + "X";
  s += "--" + kBoundary + "\r\n";
  s += "\n--" + kBoundary + "--";
  s += "\r--" + kBoundary;
  s += std::string("\x00\r\x00\n", 4);
  s += "\r\n--" + kBoundary.substr(0, kBoundary.size() - 1);  // next byte differs ('\r')
  s += "\r\r";  // the file itself ends with CRs, right before the real delimiter's CRLF
  return s;
}

std::string RealisticBody() {
  std::string body;
  body += "--" + kBoundary + "\r\n";
  body += "Content-Disposition: form-data; name=\"file\"; filename=\"train.jsonl\"\r\n";
  body += "Content-Type: application/octet-stream\r\n";
  body += "\r\n";
  body += TrickyFileContent();
  body += "\r\n--" + kBoundary + "\r\n";
  body += "Content-Disposition: form-data; name=\"purpose\"\r\n";
  body += "\r\n";
  body += "fine-tune";
  body += "\r\n--" + kBoundary + "\r\n";
  body +=
      "content-disposition: form-data; name=\"attachment\"; filename=\"fallback.txt\"; "
      "filename*=UTF-8''%E2%82%AC%20r%C3%A9sum%C3%A9.txt\r\n";
  body += "CONTENT-TYPE: text/plain; charset=utf-8\r\n";
  body += "\r\n";
  body += "h\xC3\xA9llo\r\n";
  body += "\r\n--" + kBoundary + "--\r\n";
  return body;
}

std::vector<RecordedPart> RealisticParts() {
  return {
      {"file", "train.jsonl", "application/octet-stream", TrickyFileContent(), true},
      {"purpose", std::nullopt, "", "fine-tune", true},
      {"attachment", "\xE2\x82\xAC r\xC3\xA9sum\xC3\xA9.txt", "text/plain; charset=utf-8",
       "h\xC3\xA9llo\r\n", true},
  };
}

void ExpectSuccess(const ParseOutcome& out, const std::vector<RecordedPart>& expected) {
  EXPECT_TRUE(out.feed.ok()) << out.feed.ToString();
  EXPECT_TRUE(out.finish.ok()) << out.finish.ToString();
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.parts, expected);
}

void ExpectInvalid(const Status& s, std::string_view message_part) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.message().rfind("multipart body", 0), 0u) << s.message();
  EXPECT_NE(s.message().find(message_part), std::string::npos)
      << "message: " << s.message() << "\nexpected to contain: " << message_part;
}

TEST(MultipartParserTest, RealisticBodyInOnePiece) {
  ExpectSuccess(ParseWhole(RealisticBody(), kBoundary), RealisticParts());
}

TEST(MultipartParserTest, RealisticBodyAtEverySplitPoint) {
  const std::string body = RealisticBody();
  const std::vector<RecordedPart> expected = RealisticParts();
  for (size_t split = 0; split <= body.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    const ParseOutcome out = ParseWithCuts(body, kBoundary, {split});
    ExpectSuccess(out, expected);
    if (::testing::Test::HasFailure()) break;  // one report is enough
  }
}

TEST(MultipartParserTest, RealisticBodyAtEveryPairOfSplitPointsNearDelimiters) {
  // Three pieces, with both cuts inside the file part's tail and the delimiter after it.
  const std::string body = RealisticBody();
  const size_t delim_at = body.find("\r\n--" + kBoundary +
                                    "\r\nContent-Disposition: form-data; "
                                    "name=\"purpose\"");
  ASSERT_NE(delim_at, std::string::npos);
  const size_t lo = delim_at - 40;
  const size_t hi = delim_at + kBoundary.size() + 8;
  for (size_t a = lo; a < hi; ++a) {
    for (size_t b = a; b < hi; ++b) {
      SCOPED_TRACE("cuts at " + std::to_string(a) + "," + std::to_string(b));
      ExpectSuccess(ParseWithCuts(body, kBoundary, {a, b}), RealisticParts());
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(MultipartParserTest, RealisticBodyOneByteAtATime) {
  ExpectSuccess(ParseBytewise(RealisticBody(), kBoundary), RealisticParts());
}

TEST(MultipartParserTest, DataInOnePieceIsNotCopied) {
  const std::string body = RealisticBody();
  RecordingHandler handler;
  MultipartParser parser(kBoundary, &handler);
  ASSERT_TRUE(parser.Feed(body).ok());
  ASSERT_TRUE(parser.Finish().ok());
  ASSERT_EQ(handler.pieces.size(), 3u);  // one piece per part, all pointing into `body`
  for (std::string_view piece : handler.pieces) {
    EXPECT_GE(piece.data(), body.data());
    EXPECT_LE(piece.data() + piece.size(), body.data() + body.size());
  }
  EXPECT_EQ(handler.pieces[0].size(), TrickyFileContent().size());
}

// Streams a large random file part in chunks: only bytes held back at a chunk's end may be copied,
// and they are always shorter than the delimiter.
class ChunkCheckingHandler : public RecordingHandler {
 public:
  Status OnPartData(std::string_view data) override {
    const bool inside =
        data.data() >= chunk.data() && data.data() + data.size() <= chunk.data() + chunk.size();
    if (!inside) {
      ++copied_pieces;
      max_copied = std::max(max_copied, data.size());
    }
    return RecordingHandler::OnPartData(data);
  }
  std::string_view chunk;
  int copied_pieces = 0;
  size_t max_copied = 0;
};

TEST(MultipartParserTest, LargeRandomPartStreamsWithoutCopyingMoreThanTheTail) {
  std::mt19937_64 rng(42);
  std::string content(1 << 20, '\0');
  for (char& c : content) c = static_cast<char>(rng());
  // Plant many delimiter prefixes so that some land across chunk ends.
  const std::string prefix = "\r\n--" + kBoundary.substr(0, 20);
  for (size_t at = 1000; at + prefix.size() < content.size(); at += 4093) {
    content.replace(at, prefix.size(), prefix);
  }
  const std::string body =
      "--" + kBoundary +
      "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.bin\"\r\n"
      "\r\n" +
      content + "\r\n--" + kBoundary + "--";
  ChunkCheckingHandler handler;
  MultipartParser parser(kBoundary, &handler);
  constexpr size_t kChunk = 4096;
  for (size_t pos = 0; pos < body.size(); pos += kChunk) {
    handler.chunk = std::string_view(body).substr(pos, kChunk);
    ASSERT_TRUE(parser.Feed(handler.chunk).ok());
  }
  ASSERT_TRUE(parser.Finish().ok());
  ASSERT_EQ(handler.parts.size(), 1u);
  EXPECT_TRUE(handler.parts[0].data == content);
  EXPECT_GT(handler.copied_pieces, 0);  // the planted prefixes do straddle chunks
  EXPECT_LT(handler.max_copied, kBoundary.size() + 4);
}

TEST(MultipartParserTest, PreambleIsIgnored) {
  const std::string body =
      "This is a preamble. --abc is not a delimiter here,\r\n"
      "nor is\r\n--ab\r\n"
      "\r\n--abc\r\n"
      "Content-Disposition: form-data; name=\"x\"\r\n\r\n"
      "1\r\n--abc--";
  const std::vector<RecordedPart> expected = {{"x", std::nullopt, "", "1", true}};
  ExpectSuccess(ParseWhole(body, "abc"), expected);
  ExpectSuccess(ParseBytewise(body, "abc"), expected);
}

TEST(MultipartParserTest, FirstDelimiterWithLeadingCrlf) {
  const std::string body =
      "\r\n--abc\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abc--";
  ExpectSuccess(ParseWhole(body, "abc"), {{"x", std::nullopt, "", "1", true}});
}

TEST(MultipartParserTest, EpilogueIsIgnored) {
  const std::string body =
      "--abc\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abc--\r\n"
      "epilogue\r\n--abc\r\nContent-Disposition: form-data; name=y\r\n\r\n2\r\n--abc--\r\n";
  const std::vector<RecordedPart> expected = {{"x", std::nullopt, "", "1", true}};
  ExpectSuccess(ParseWhole(body, "abc"), expected);
  ExpectSuccess(ParseBytewise(body, "abc"), expected);
}

TEST(MultipartParserTest, FeedAfterDoneIsIgnored) {
  RecordingHandler handler;
  MultipartParser parser("abc", &handler);
  ASSERT_TRUE(
      parser.Feed("--abc\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abc--").ok());
  EXPECT_TRUE(parser.done());
  EXPECT_TRUE(parser.Feed("\r\n--abc\r\ngarbage that would be an error").ok());
  EXPECT_TRUE(parser.Finish().ok());
  EXPECT_EQ(handler.begin_calls, 1);
  EXPECT_EQ(handler.end_calls, 1);
}

TEST(MultipartParserTest, TransportPaddingAfterDelimiters) {
  const std::string body =
      "--abc \t \r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abc\t\r\n"
      "Content-Disposition: form-data; name=y\r\n\r\n2\r\n--abc--  \r\n";
  const std::vector<RecordedPart> expected = {{"x", std::nullopt, "", "1", true},
                                              {"y", std::nullopt, "", "2", true}};
  ExpectSuccess(ParseWhole(body, "abc"), expected);
  ExpectSuccess(ParseBytewise(body, "abc"), expected);
}

TEST(MultipartParserTest, EmptyPartAndNoParts) {
  ExpectSuccess(
      ParseWhole("--abc\r\nContent-Disposition: form-data; name=e\r\n\r\n\r\n--abc--", "abc"),
      {{"e", std::nullopt, "", "", true}});
  ExpectSuccess(ParseWhole("--abc--", "abc"), {});
}

TEST(MultipartParserTest, BoundaryWithSpacesAndPunctuation) {
  const std::string boundary = "a'()+_,-./:=? z";
  const std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=x\r\n\r\n" +
                           "--" + boundary + "\r\n--" + boundary + "--";
  ExpectSuccess(ParseBytewise(body, boundary), {{"x", std::nullopt, "", "--" + boundary, true}});
}

TEST(MultipartParserTest, MissingClosingDelimiterFailsAtFinish) {
  for (const std::string body : {
           "",
           "just a preamble",
           "--abc\r\nContent-Disposition: form-data; name=x\r\n\r\npartial data",
           "--abc\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abc\r\n",
           "--abc\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abc",
           "--abc\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abc-",
           "--abc\r\nContent-Disposition: form-data; name=x\r\n",
       }) {
    SCOPED_TRACE(body);
    RecordingHandler handler;
    MultipartParser parser("abc", &handler);
    EXPECT_TRUE(parser.Feed(body).ok());
    const Status s = parser.Finish();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "multipart body ended before the closing boundary");
    EXPECT_FALSE(parser.done());
    EXPECT_EQ(parser.Finish().message(), s.message());  // sticky
  }
}

TEST(MultipartParserTest, GarbageAfterDelimiterIsAnError) {
  for (const std::string body : {
           "--abcX\r\n",
           "--abc-X",
           "--abc \tX",
           "--abc\rX",
           "--abc\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abcd\r\n",
       }) {
    SCOPED_TRACE(body);
    ExpectInvalid(ParseWhole(body, "abc").feed, "boundary line must end with CRLF");
    ExpectInvalid(ParseBytewise(body, "abc").feed, "boundary line must end with CRLF");
  }
}

std::string PartWithHeaderLine(const std::string& line) {
  return "--abc\r\n" + line + "\r\n\r\ndata\r\n--abc--";
}

TEST(MultipartParserTest, HeaderLimitIsExact) {
  // Counted: the header lines with their CRLFs and the CRLF of the empty line that ends them.
  const std::string base = "Content-Disposition: form-data; name=x; pad=";
  MultipartLimits limits;
  limits.max_header_bytes = 100;
  const std::string at_limit = base + std::string(100 - base.size() - 4, 'p');
  ExpectSuccess(ParseWhole(PartWithHeaderLine(at_limit), "abc", limits),
                {{"x", std::nullopt, "", "data", true}});
  ExpectSuccess(ParseBytewise(PartWithHeaderLine(at_limit), "abc", limits),
                {{"x", std::nullopt, "", "data", true}});
  const std::string over = at_limit + "p";
  ExpectInvalid(ParseWhole(PartWithHeaderLine(over), "abc", limits).feed,
                "part header too long (limit 100 bytes)");
  ExpectInvalid(ParseBytewise(PartWithHeaderLine(over), "abc", limits).feed,
                "part header too long (limit 100 bytes)");
}

TEST(MultipartParserTest, HugeHeaderLimitMeansNoLimit) {
  MultipartLimits limits;
  limits.max_header_bytes = SIZE_MAX;
  limits.max_parts = SIZE_MAX;
  ExpectSuccess(
      ParseBytewise(PartWithHeaderLine("Content-Disposition: form-data; name=x"), "abc", limits),
      {{"x", std::nullopt, "", "data", true}});
}

TEST(MultipartParserTest, EndlessHeaderIsCutOffAtTheLimit) {
  RecordingHandler handler;
  MultipartParser parser("abc", &handler);  // default limit: 16 KiB
  ASSERT_TRUE(parser.Feed("--abc\r\nX-Long: ").ok());
  const std::string chunk(1000, 'a');
  Status s;
  int fed = 0;
  while (s.ok() && fed < 100) {
    s = parser.Feed(chunk);
    ++fed;
  }
  ExpectInvalid(s, "part header too long");
  EXPECT_EQ(fed, 17);  // 16 * 1000 + 8 bytes fit; the 17th chunk crosses 16384
  EXPECT_EQ(handler.begin_calls, 0);
}

TEST(MultipartParserTest, TooManyParts) {
  MultipartLimits limits;
  limits.max_parts = 2;
  std::string body;
  for (int i = 0; i < 3; ++i) {
    body += "--abc\r\nContent-Disposition: form-data; name=p" + std::to_string(i) + "\r\n\r\nv\r\n";
  }
  const std::string two = body.substr(0, body.rfind("--abc")) + "--abc--";
  EXPECT_TRUE(ParseWhole(two, "abc", limits).finish.ok());
  body += "--abc--";
  const ParseOutcome out = ParseWhole(body, "abc", limits);
  ExpectInvalid(out.feed, "more than 2 parts");
  EXPECT_EQ(out.parts.size(), 2u);
}

TEST(MultipartParserTest, MissingNameOrDisposition) {
  ExpectInvalid(
      ParseWhole(PartWithHeaderLine("Content-Disposition: form-data; filename=\"a.txt\""), "abc")
          .feed,
      "part has no name in its Content-Disposition header");
  ExpectInvalid(ParseWhole(PartWithHeaderLine("Content-Type: text/plain"), "abc").feed,
                "part has no Content-Disposition header");
  ExpectInvalid(ParseWhole("--abc\r\n\r\ndata\r\n--abc--", "abc").feed,
                "part has no Content-Disposition header");
  ExpectInvalid(
      ParseWhole(PartWithHeaderLine("Content-Disposition: attachment; name=x"), "abc").feed,
      "must be form-data");
}

MultipartPartHeaders HeadersOf(const std::string& header_lines) {
  const ParseOutcome out = ParseWhole(PartWithHeaderLine(header_lines), "abc");
  EXPECT_TRUE(out.feed.ok()) << out.feed.ToString();
  EXPECT_TRUE(out.finish.ok()) << out.finish.ToString();
  MultipartPartHeaders h;
  if (out.parts.size() == 1) {
    h.name = out.parts[0].name;
    h.filename = out.parts[0].filename;
    h.content_type = out.parts[0].content_type;
  } else {
    ADD_FAILURE() << "expected one part, got " << out.parts.size();
  }
  return h;
}

TEST(MultipartParserTest, ContentDispositionParameters) {
  MultipartPartHeaders h = HeadersOf("content-DISPOSITION:Form-Data;NAME=purpose");
  EXPECT_EQ(h.name, "purpose");
  EXPECT_FALSE(h.filename.has_value());

  h = HeadersOf("Content-Disposition: form-data ; name = \"a\\\"b\\\\c;d\" ;filename=\"\"");
  EXPECT_EQ(h.name, "a\"b\\c;d");
  EXPECT_EQ(h.filename, "");

  h = HeadersOf(
      "Content-Disposition: form-data; name=\"file\"; filename=\"r\xC3\xA9sum\xC3\xA9.pdf\"");
  EXPECT_EQ(h.filename, "r\xC3\xA9sum\xC3\xA9.pdf");  // raw UTF-8, as browsers send it

  h = HeadersOf(
      "Content-Disposition: form-data; name=f; filename=\"a b.txt\"\r\n"
      "Content-Type:  application/pdf  \r\nX-Other: ignored");
  EXPECT_EQ(h.filename, "a b.txt");
  EXPECT_EQ(h.content_type, "application/pdf");

  h = HeadersOf("Content-Disposition: form-data; name=\"\"");
  EXPECT_EQ(h.name, "");
}

TEST(MultipartParserTest, FormEncodedFilenamesDecodeAsBrowsersAndCurlSendThem) {
  // WHATWG form encoding (browsers, curl, urllib3 2, fetch's FormData): '"' as %22, CR/LF as
  // %0D/%0A, a backslash as itself, any other '%' as itself.
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=\"file\"; "
                      "filename=\"R\xC3\xA9sum\xC3\xA9 %22final%22 \\ draft.pdf\"")
                .filename,
            "R\xC3\xA9sum\xC3\xA9 \"final\" \\ draft.pdf");
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=\"f\"; filename=\"back\\slash.csv\"")
                .filename,
            "back\\slash.csv");
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=\"f\"; filename=\"two\\\\.csv\"")
                .filename,
            "two\\\\.csv");
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=\"f\"; filename=\"ends\\\"").filename,
            "ends\\");
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=\"f\"; filename=\"a%0Db%0aC%22%2\"")
                .filename,
            "a\rb\nC\"%2");
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=\"f\"; filename=\"100% %41.txt\"")
                .filename,
            "100% %41.txt");
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=\"x%22y\"").name, "x\"y");
}

TEST(MultipartParserTest, BackslashEscapedFilenamesStillParse) {
  // RFC 7578 generators that escape (Go's mime/multipart): read as a quoted-string when the form
  // reading does not parse.
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=\"f\"; filename=\"a\\\"b.txt\"")
                .filename,
            "a\"b.txt");
}

TEST(MultipartParserTest, ExtendedFilenameIsPreferred) {
  // filename* wins whatever the order.
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=f; filename*=UTF-8''%E2%82%AC.txt; "
                      "filename=\"EUR.txt\"")
                .filename,
            "\xE2\x82\xAC.txt");
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=f; filename=\"EUR.txt\"; "
                      "filename*=utf-8'en'%e2%82%ac%20rates.txt")
                .filename,
            "\xE2\x82\xAC rates.txt");
  EXPECT_EQ(HeadersOf("Content-Disposition: form-data; name=f; filename*=ISO-8859-1''caf%E9.txt")
                .filename,
            "caf\xC3\xA9.txt");
}

TEST(MultipartParserTest, MalformedExtendedFilename) {
  const std::pair<std::string, std::string> cases[] = {
      {"filename*=%E2%82%AC.txt", "UTF-8''"},
      {"filename*=UTF-8'%E2%82%AC.txt", "UTF-8''"},
      {"filename*=KOI8-R''%E2", "charset must be UTF-8"},
      {"filename*=UTF-8''%E2%82", "not valid UTF-8"},
      {"filename*=UTF-8''%C0%AF", "not valid UTF-8"},     // overlong '/'
      {"filename*=UTF-8''%ED%A0%80", "not valid UTF-8"},  // surrogate
      {"filename*=UTF-8''a%G1", "invalid %-escape"},
      {"filename*=UTF-8''a%4", "truncated %-escape"},
      {"filename*=\"UTF-8''a b\"", "must be percent-encoded"},
  };
  for (const auto& [param, message] : cases) {
    SCOPED_TRACE(param);
    ExpectInvalid(
        ParseWhole(PartWithHeaderLine("Content-Disposition: form-data; name=f; " + param), "abc")
            .feed,
        message);
  }
}

TEST(MultipartParserTest, MalformedHeaders) {
  const std::pair<std::string, std::string> cases[] = {
      {"Content-Disposition: form-data; name=\"x", "malformed Content-Disposition parameters"},
      {"Content-Disposition: form-data; name", "malformed Content-Disposition parameters"},
      {"Content-Disposition: form-data; =x", "malformed Content-Disposition parameters"},
      {"Content-Disposition: form-data name=x", "malformed Content-Disposition parameters"},
      {"Content-Disposition: form-data; name=x; name=y", "duplicate name"},
      {"Content-Disposition: form-data; name=x; filename=a; filename=b", "duplicate filename"},
      {"Content-Disposition: form-data; name=x\r\nContent-Disposition: form-data; name=y",
       "two Content-Disposition headers"},
      {"Content-Disposition: form-data; name=x\r\nno colon here", "has no ':'"},
      {"Content-Disposition: form-data; name=x\r\n: empty name", "invalid field name"},
      {"Content-Disposition: form-data; name=x\nX-Bare: lf", "bare CR, LF or NUL"},
      {" folded: first line", "continuation line"},
      {std::string("Content-Disposition: form-data; name=x\0", 39), "bare CR, LF or NUL"},
  };
  for (const auto& [line, message] : cases) {
    SCOPED_TRACE(line);
    ExpectInvalid(ParseWhole(PartWithHeaderLine(line), "abc").feed, message);
    ExpectInvalid(ParseBytewise(PartWithHeaderLine(line), "abc").feed, message);
  }
}

TEST(MultipartParserTest, FoldedHeaderLinesAreUnfolded) {
  const MultipartPartHeaders h = HeadersOf(
      "Content-Disposition: form-data;\r\n\tname=\"x\";\r\n filename=\"f.txt\"\r\n"
      "Content-Type: text/plain;\r\n  charset=utf-8");
  EXPECT_EQ(h.name, "x");
  EXPECT_EQ(h.filename, "f.txt");
  EXPECT_EQ(h.content_type, "text/plain; charset=utf-8");
}

TEST(MultipartParserTest, ErrorsAreSticky) {
  RecordingHandler handler;
  MultipartParser parser("abc", &handler);
  const Status first = parser.Feed("--abc!");
  ExpectInvalid(first, "boundary line");
  const Status again =
      parser.Feed("\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--abc--");
  EXPECT_EQ(again.message(), first.message());
  EXPECT_EQ(parser.Finish().message(), first.message());
  EXPECT_EQ(handler.begin_calls, 0);
  EXPECT_FALSE(parser.done());
}

struct CallbackFailure {
  int begin_at;
  int data_at;
  int end_at;
  int expected_begins;
  int expected_ends;
};

TEST(MultipartParserTest, CallbackErrorsStopTheParse) {
  const CallbackFailure cases[] = {
      {1, 0, 0, 1, 0}, {2, 0, 0, 2, 1}, {0, 1, 0, 1, 0}, {0, 0, 1, 1, 1}, {0, 0, 3, 3, 3},
  };
  for (const CallbackFailure& c : cases) {
    for (bool bytewise : {false, true}) {
      SCOPED_TRACE(std::to_string(c.begin_at) + "/" + std::to_string(c.data_at) + "/" +
                   std::to_string(c.end_at) + (bytewise ? " bytewise" : " whole"));
      RecordingHandler handler;
      handler.fail_begin_at = c.begin_at;
      handler.fail_data_at = c.data_at;
      handler.fail_end_at = c.end_at;
      handler.fail_status = PayloadTooLarge("file too large", "file_too_large");
      MultipartParser parser(kBoundary, &handler);
      const std::string body = RealisticBody();
      Status s;
      if (bytewise) {
        for (size_t i = 0; i < body.size() && s.ok(); ++i) s = parser.Feed(body.substr(i, 1));
      } else {
        s = parser.Feed(body);
      }
      EXPECT_EQ(s.code(), StatusCode::kPayloadTooLarge);
      EXPECT_EQ(s.reason(), "file_too_large");
      const int data_calls = handler.data_calls;
      EXPECT_EQ(parser.Feed(body).code(), StatusCode::kPayloadTooLarge);
      EXPECT_EQ(parser.Finish().code(), StatusCode::kPayloadTooLarge);
      EXPECT_EQ(handler.begin_calls, c.expected_begins);
      EXPECT_EQ(handler.end_calls, c.expected_ends);
      EXPECT_EQ(handler.data_calls, data_calls);
      if (c.data_at != 0) {
        EXPECT_EQ(handler.data_calls, c.data_at);
      }
      EXPECT_FALSE(parser.done());
    }
  }
}

TEST(BoundaryFromContentTypeTest, AcceptsTokenAndQuotedValues) {
  struct Case {
    std::string content_type;
    std::string boundary;
  };
  const Case cases[] = {
      {"multipart/form-data; boundary=----formdata-undici-032563874911",
       "----formdata-undici-032563874911"},
      {"multipart/form-data; boundary=\"abc\"", "abc"},
      {"Multipart/Form-Data;BOUNDARY=abc", "abc"},
      {"  multipart/form-data ;  charset=utf-8 ;boundary=\"a b'()+_,-./:=?\" ; x=\"y;z\"",
       "a b'()+_,-./:=?"},
      {"multipart/form-data; boundary=a/b=c", "a/b=c"},  // not a token, but seen in the wild
      {"multipart/form-data; boundary=" + std::string(70, 'x'), std::string(70, 'x')},
      {"multipart/form-data; boundary=\"\\a\\b\"", "ab"},
      {"multipart/form-data; boundary=abc;", "abc"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.content_type);
    const Result<std::string> r = BoundaryFromContentType(c.content_type);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, c.boundary);
  }
}

TEST(BoundaryFromContentTypeTest, RejectsBadTypesAndBoundaries) {
  struct Case {
    std::string content_type;
    std::string message_part;
  };
  const Case cases[] = {
      {"", "must be multipart/form-data"},
      {"text/plain; boundary=abc", "must be multipart/form-data"},
      {"multipart/mixed; boundary=abc", "must be multipart/form-data"},
      {"multipart/form-dataX; boundary=abc", "must be multipart/form-data"},
      {"multipart; boundary=abc", "must be multipart/form-data"},
      {"multipart/form-data", "no boundary parameter"},
      {"multipart/form-data; charset=utf-8", "no boundary parameter"},
      {"multipart/form-data; boundary=", "malformed parameters"},
      {"multipart/form-data; boundary=\"\"", "1 to 70 characters"},
      {"multipart/form-data; boundary=" + std::string(71, 'x'), "1 to 70 characters"},
      {"multipart/form-data; boundary=\"abc \"", "must not end with a space"},
      {"multipart/form-data; boundary=\"a@b\"", "does not allow"},
      {"multipart/form-data; boundary=\"a\\\"b\"", "does not allow"},
      {"multipart/form-data; boundary=\"a\\\\b\"", "does not allow"},
      {"multipart/form-data; boundary=\"a\rb\"", "does not allow"},
      {"multipart/form-data; boundary=\"abc", "malformed parameters"},
      {"multipart/form-data; boundary=abc; boundary=def", "two boundary parameters"},
      {"multipart/form-data boundary=abc", "malformed parameters"},
      {"multipart/form-data; boundary=a\"b\"", "malformed parameters"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.content_type);
    const Result<std::string> r = BoundaryFromContentType(c.content_type);
    ASSERT_FALSE(r.ok()) << "accepted: " << *r;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace filesd
