#include "blob/concatenated_reader.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace filesd {
namespace {

class ConcatenatedReader final : public BlobReader {
 public:
  ConcatenatedReader(BlobStore& store, std::vector<BlobPiece> pieces, std::vector<uint64_t> starts,
                     uint64_t size)
      : store_(store), pieces_(std::move(pieces)), starts_(std::move(starts)), size_(size) {}

  uint64_t size_bytes() const override { return size_; }

  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    size_t filled = 0;
    while (filled < out.size() && offset + filled < size_) {
      const uint64_t at = offset + filled;
      // The last piece starting at or before `at` holds it (pieces are not empty).
      const auto after = std::upper_bound(starts_.begin(), starts_.end(), at);
      const size_t index = static_cast<size_t>(after - starts_.begin()) - 1;
      FILESD_ASSIGN_OR_RETURN(BlobReader * piece, Open(index));
      const uint64_t within = at - starts_[index];
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(out.size() - filled, pieces_[index].size_bytes - within));
      FILESD_ASSIGN_OR_RETURN(size_t n, piece->ReadAt(within, out.subspan(filled, want)));
      if (n == 0) return Internal("read failed: blob is shorter than its recorded size");
      filled += n;
    }
    return filled;
  }

 private:
  // The reader of piece `index`, opening it (and closing the previous one) when needed.
  Result<BlobReader*> Open(size_t index) {
    if (current_ != nullptr && current_index_ == index) return current_.get();
    current_.reset();
    FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader,
                            store_.NewReader(pieces_[index].key));
    if (reader->size_bytes() != pieces_[index].size_bytes) {
      return Internal("read failed: blob size differs from its recorded size");
    }
    current_ = std::move(reader);
    current_index_ = index;
    return current_.get();
  }

  BlobStore& store_;
  const std::vector<BlobPiece> pieces_;  // non-empty pieces only
  const std::vector<uint64_t> starts_;   // starts_[i]: offset of pieces_[i] in the concatenation
  const uint64_t size_;
  std::unique_ptr<BlobReader> current_;
  size_t current_index_ = 0;
};

}  // namespace

Result<std::unique_ptr<BlobReader>> OpenConcatenation(BlobStore& store,
                                                      std::vector<BlobPiece> pieces) {
  std::erase_if(pieces, [](const BlobPiece& p) { return p.size_bytes == 0; });
  std::vector<uint64_t> starts;
  starts.reserve(pieces.size());
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t size = 0;
  for (const BlobPiece& p : pieces) {
    if (p.size_bytes > kMax - size) return Internal("concatenated blob is too large");
    starts.push_back(size);
    size += p.size_bytes;
  }
  return std::unique_ptr<BlobReader>(
      std::make_unique<ConcatenatedReader>(store, std::move(pieces), std::move(starts), size));
}

}  // namespace filesd
