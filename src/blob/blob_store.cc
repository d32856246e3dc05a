#include "blob/blob_store.h"

namespace filesd {

Result<uint64_t> AppendableBlobs::AppendAt(const std::string& key, uint64_t expected_size,
                                           std::string_view data) {
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<BlobAppender> appender, StartAppend(key, expected_size));
  FILESD_RETURN_IF_ERROR(appender->Write(data));
  return appender->Sync();
}

}  // namespace filesd
