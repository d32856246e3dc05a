// OpenConcatenation: one BlobReader over several committed blobs read back to back, as recorded by
// the caller's metadata (an open upload session's segments, in offset order).
//
// The reader's size is the sum of the recorded sizes, fixed at open. Pieces are opened lazily, only
// when a read reaches them, and at most one is open at a time, so a reader over thousands of
// segments costs one open blob, not thousands; reading sequentially opens each piece once. A read
// fills `out` across piece boundaries.
//
// Errors of ReadAt: the store's error opening or reading a piece, as is (kNotFound when a piece is
// gone, e.g. deleted by a complete that composed it meanwhile: the caller may reopen from fresh
// metadata); kInternal when a piece's stored size differs from its recorded size (the store and the
// metadata disagree: a bug or tampering).
//
// Threading: like every BlobReader, used by one thread at a time. The store must outlive the reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "blob/blob_store.h"

namespace filesd {

struct BlobPiece {
  std::string key;
  uint64_t size_bytes = 0;  // as recorded by the caller; zero-sized pieces are skipped unopened
};

// Opens nothing yet (see above). kInternal if the sizes add up to more than 2^63 - 1.
Result<std::unique_ptr<BlobReader>> OpenConcatenation(BlobStore& store,
                                                      std::vector<BlobPiece> pieces);

}  // namespace filesd
