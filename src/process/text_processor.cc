#include "process/text_processor.h"

#include "process/json_writer.h"
#include "process/text_decode.h"

namespace filesd::process {

namespace {

constexpr size_t kChunkBytes = 1 << 20;

// Counts lines and words over chunks; the state carries across chunk boundaries.
class LineWordCounter {
 public:
  void Feed(std::string_view chunk) {
    for (char ch : chunk) {
      const unsigned char c = static_cast<unsigned char>(ch);
      const bool space = c == ' ' || (c >= '\t' && c <= '\r');
      words_ += !space && !in_word_;
      in_word_ = !space;
      if (c == '\n') {
        if (!after_cr_) ++breaks_;
        after_cr_ = false;
        ends_with_break_ = true;
      } else if (c == '\r') {
        ++breaks_;
        after_cr_ = true;
        ends_with_break_ = true;
      } else {
        after_cr_ = false;
        ends_with_break_ = false;
      }
      any_ = true;
    }
  }
  uint64_t lines() const { return breaks_ + (any_ && !ends_with_break_ ? 1 : 0); }
  uint64_t words() const { return words_; }

 private:
  uint64_t breaks_ = 0;
  uint64_t words_ = 0;
  bool in_word_ = false;
  bool after_cr_ = false;
  bool ends_with_break_ = false;
  bool any_ = false;
};

}  // namespace

Result<ProcessOutput> TextProcessor::Process(ByteSource& src, const ProcessLimits& limits) {
  TextReader reader(src, kChunkBytes);
  TextCapture text(limits.max_text_bytes);
  LineWordCounter counter;
  Utf8Validator code_points(/*count_code_points=*/true);
  uint64_t bytes = 0;
  while (true) {
    FILESD_ASSIGN_OR_RETURN(std::string_view chunk, reader.Next());
    if (chunk.empty()) break;
    counter.Feed(chunk);
    code_points.Feed(chunk);
    text.Feed(chunk);
    bytes += chunk.size();
  }
  const Encoding encoding = reader.encoding();
  const bool latin1 = encoding == Encoding::kLatin1;
  // Latin-1 has one character per byte; otherwise the chunks are UTF-8.
  const uint64_t chars = latin1 ? bytes : code_points.code_points();

  ProcessOutput out;
  out.type = "text";
  out.mime_type = "text/plain";
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("text");
  w.Key("encoding").String(EncodingName(encoding));
  w.Key("char_count").Uint(chars);
  w.Key("line_count").Uint(counter.lines());
  w.Key("word_count").Uint(counter.words());
  w.EndObject();
  out.metadata_json = w.Take();
  out.summary = "Text file with " + CountNoun(counter.lines(), "line", "lines") + ", " +
                CountNoun(counter.words(), "word", "words") + " and " +
                CountNoun(chars, "character", "characters") + " (" + std::string(EncodingName(encoding)) +
                ").";
  out.text = text.Finish(latin1);
  return out;
}

}  // namespace filesd::process
