// The "json" processor: JSON documents and JSON Lines.
//
// A single document is measured by the streaming JsonScanner (json_scanner.h): any size in bounded
// memory. JSON Lines (format "jsonl": the extension .jsonl/.ndjson, or a .json file holding more than
// one top-level value) are read line by line and each line is parsed with simdjson; a line that is not
// valid JSON (or longer than kJsonMaxLineBytes) counts in invalid_lines; blank lines are skipped.
//
// metadata (every field always present, null where it does not apply):
//   {"type":"json","format":"json"|"jsonl","root_type":..,"depth":N,"keys":[..]|null,
//    "length":N|null,"record_count":N|null,"invalid_lines":N|null}
//  * json: root_type of the document; keys for an object root (document order, at most 1000);
//    length for an array root; record_count and invalid_lines null.
//  * jsonl: root_type of the records ("mixed" when they differ, null when there is none); depth the
//    deepest record; keys the union of the top-level keys of object records in first-seen order (at
//    most 1000), null when no record is an object; length null.
// Errors: kInvalidArgument/invalid_file for invalid JSON (or not UTF-8), or JSON Lines without one
// valid line; kPayloadTooLarge/processing_limit for nesting deeper than max_json_depth.
// text: the document's text, cut at max_text_bytes.
#pragma once

#include "process/processor.h"

namespace filesd::process {

inline constexpr size_t kJsonMaxLineBytes = 64 << 20;

class JsonProcessor final : public Processor {
 public:
  // `jsonl`: read the content as JSON Lines from the start (the extension said so).
  explicit JsonProcessor(bool jsonl = false) : jsonl_(jsonl) {}
  std::string_view type() const override { return "json"; }
  Result<ProcessOutput> Process(ByteSource& src, const ProcessLimits& limits) override;

 private:
  bool jsonl_;
};

}  // namespace filesd::process
