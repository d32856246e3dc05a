// A read-only ZIP archive over a ByteSource (random access through libzip; no temporary file), whose
// entries stream out in 64 KiB pieces under a budget of decompressed bytes shared by every entry.
//
// Zip bombs: an entry whose declared uncompressed size, or whose actual bytes, would take the total
// past the budget is refused with LimitExceeded (processor.h) without expanding it further.
// Errors speak of a workbook: the xlsx reader (xlsx_reader.h) is its one user; a damaged archive or
// entry is InvalidFile.
// Threading: one thread. The ByteSource must outlive the archive.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "process/byte_source.h"

struct zip;

namespace filesd::process {

struct ZipSourceState;  // zip_archive.cc

class ZipArchive {
 public:
  // Reads the archive's directory. InvalidFile if `src` is not a ZIP archive.
  static Result<std::unique_ptr<ZipArchive>> Open(ByteSource& src, uint64_t budget);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  // Whether the entry `name` exists (names compare without regard to case).
  bool Has(const std::string& name) const;

  // What receives an entry's bytes: each piece in order, then an empty piece with `final` set.
  // A failed status stops the read and is returned by Stream.
  using Consumer = std::function<Status(std::string_view piece, bool final)>;

  // Streams the entry `name` into `consume`. InvalidFile if it is absent or damaged; LimitExceeded
  // if it would pass the budget (see the file comment); else what `consume` returned.
  Status Stream(const std::string& name, const Consumer& consume);

 private:
  ZipArchive(ByteSource& src, uint64_t budget);
  Status BombError() const;

  std::unique_ptr<ZipSourceState> state_;
  zip* zip_ = nullptr;
  uint64_t budget_;
  uint64_t limit_;
};

}  // namespace filesd::process
