// FileAnalyzer: the hook where content analysis (API.md section 6) plugs into every upload flow.
// Implementations: NoAnalysis below; IsolatedAnalyzer (analysis/isolated_analyzer.h).
#pragma once

#include "base/status.h"
#include "meta/records.h"

namespace filesd {

class FileAnalyzer {
 public:
  virtual ~FileAnalyzer() = default;
  // Analyses the committed content of `file` (status uploaded), records the outcome in the
  // metadata store (status processed, or error with status_details) and returns the updated row.
  // Blocking; called on the blocking pool. A failure to analyse is not an error of this call: it is
  // recorded on the file. Errors here are store failures (kUnavailable, kInternal).
  virtual Result<FileRecord> Analyze(const FileRecord& file) = 0;
};

// Leaves files in status `uploaded`, metadata null: the behaviour before processing exists.
class NoAnalysis final : public FileAnalyzer {
 public:
  Result<FileRecord> Analyze(const FileRecord& file) override { return file; }
};

}  // namespace filesd
