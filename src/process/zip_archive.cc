#include "process/zip_archive.h"

#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <span>

#include "process/json_writer.h"
#include "process/processor.h"

namespace filesd::process {

// What libzip's source callback reads through: the ByteSource and the read position.
struct ZipSourceState {
  ByteSource* src;
  uint64_t offset = 0;
  zip_error_t error;
};

namespace {

constexpr size_t kReadBytes = 64 * 1024;


zip_int64_t ZipSourceCallback(void* userdata, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* s = static_cast<ZipSourceState*>(userdata);
  switch (cmd) {
    case ZIP_SOURCE_OPEN:
      s->offset = 0;
      return 0;
    case ZIP_SOURCE_READ: {
      const uint64_t size = s->src->size_bytes();
      if (s->offset >= size) return 0;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(len, size - s->offset));
      Result<size_t> got = s->src->ReadAt(s->offset, std::span<char>(static_cast<char*>(data), n));
      if (!got.ok()) {
        zip_error_set(&s->error, ZIP_ER_READ, EIO);
        return -1;
      }
      s->offset += *got;
      return static_cast<zip_int64_t>(*got);
    }
    case ZIP_SOURCE_CLOSE:
      return 0;
    case ZIP_SOURCE_STAT: {
      auto* st = static_cast<zip_stat_t*>(data);
      zip_stat_init(st);
      st->size = s->src->size_bytes();
      st->valid |= ZIP_STAT_SIZE;
      return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR:
      return zip_error_to_data(&s->error, data, len);
    case ZIP_SOURCE_FREE:
      return 0;
    case ZIP_SOURCE_SEEK: {
      zip_int64_t off = zip_source_seek_compute_offset(s->offset, s->src->size_bytes(), data, len, &s->error);
      if (off < 0) return -1;
      s->offset = static_cast<uint64_t>(off);
      return 0;
    }
    case ZIP_SOURCE_TELL:
      return static_cast<zip_int64_t>(s->offset);
    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                            ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS, -1);
    default:
      zip_error_set(&s->error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
  }
}

}  // namespace

ZipArchive::ZipArchive(ByteSource& src, uint64_t budget)
    : state_(std::make_unique<ZipSourceState>()), budget_(budget), limit_(budget) {
  state_->src = &src;
  zip_error_init(&state_->error);
}

ZipArchive::~ZipArchive() {
  if (zip_ != nullptr) zip_discard(zip_);
  zip_error_fini(&state_->error);
}

Result<std::unique_ptr<ZipArchive>> ZipArchive::Open(ByteSource& src, uint64_t budget) {
  auto archive = std::unique_ptr<ZipArchive>(new ZipArchive(src, budget));
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_function_create(&ZipSourceCallback, archive->state_.get(), &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    return Internal("cannot read the workbook");
  }
  archive->zip_ = zip_open_from_source(source, ZIP_RDONLY, &error);
  zip_error_fini(&error);
  if (archive->zip_ == nullptr) {
    zip_source_free(source);
    return InvalidFile("the file is not a valid xlsx workbook (its ZIP structure is damaged)");
  }
  return archive;
}

bool ZipArchive::Has(const std::string& name) const {
  return zip_name_locate(zip_, name.c_str(), ZIP_FL_NOCASE) >= 0;
}

Status ZipArchive::Stream(const std::string& name, const Consumer& consume) {
  const zip_int64_t index = zip_name_locate(zip_, name.c_str(), ZIP_FL_NOCASE);
  if (index < 0) return InvalidFile("the workbook lacks " + name);
  zip_stat_t st;
  if (zip_stat_index(zip_, static_cast<zip_uint64_t>(index), 0, &st) != 0)
    return InvalidFile("the workbook is damaged");
  if ((st.valid & ZIP_STAT_SIZE) && st.size > budget_) return BombError();
  zip_file_t* file = zip_fopen_index(zip_, static_cast<zip_uint64_t>(index), 0);
  if (file == nullptr) return InvalidFile("the workbook is damaged (" + name + " cannot be read)");
  std::unique_ptr<char[]> buf(new char[kReadBytes]);
  Status status;
  while (true) {
    const zip_int64_t n = zip_fread(file, buf.get(), kReadBytes);
    if (n < 0) {
      status = InvalidFile("the workbook is damaged (" + name + " cannot be read)");
      break;
    }
    if (static_cast<uint64_t>(n) > budget_) {
      status = BombError();
      break;
    }
    budget_ -= static_cast<uint64_t>(n);
    status = consume(std::string_view(buf.get(), static_cast<size_t>(n)), n == 0);
    if (!status.ok() || n == 0) break;
  }
  zip_fclose(file);
  return status;
}

Status ZipArchive::BombError() const {
  return LimitExceeded("the workbook expands to more than " + FormatCount(limit_ >> 20) +
                       " MiB when decompressed (a zip bomb?)");
}

}  // namespace filesd::process
