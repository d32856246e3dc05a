// The "text" processor: plain text of any size in one streaming pass.
//
// metadata: {"type":"text","encoding":"utf-8","char_count":N,"line_count":N,"word_count":N}
//  * encoding: see text_decode.h (utf-8, utf-8-sig, utf-16-le, utf-16-be, latin-1).
//  * char_count: code points of the decoded text (the BOM excluded).
//  * line_count: line breaks (LF, CRLF or a lone CR each count once), plus one when the text does not
//    end with a break; 0 for empty content.
//  * word_count: maximal runs of characters other than ASCII white space (space, tab, LF, VT, FF, CR).
// text: the decoded text, cut at max_text_bytes.
#pragma once

#include "process/processor.h"

namespace filesd::process {

class TextProcessor final : public Processor {
 public:
  std::string_view type() const override { return "text"; }
  Result<ProcessOutput> Process(ByteSource& src, const ProcessLimits& limits) override;
};

}  // namespace filesd::process
