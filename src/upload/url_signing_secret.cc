#include "upload/url_signing_secret.h"

#include "base/crypto.h"
#include "upload/signing_secret.h"

namespace filesd {

Result<std::string> ResolveUrlSigningSecret(const std::string& configured,
                                            const std::string& data_dir, MetadataStore& meta,
                                            const Clock& clock) {
  if (!configured.empty()) return configured;
  FILESD_ASSIGN_OR_RETURN(std::optional<std::string> kept, LoadSigningSecretFile(data_dir));
  if (kept.has_value()) return std::move(*kept);
  const std::string candidate = HexEncode(RandomBytes(kGeneratedSecretBytes));
  FILESD_ASSIGN_OR_RETURN(std::string shared, meta.GetOrCreateSetting(kUrlSigningSecretSetting,
                                                                      candidate,
                                                                      clock.NowSeconds()));
  if (shared.size() != 2 * kGeneratedSecretBytes) {
    return Internal("the shared URL signing secret in the metadata store is malformed");
  }
  return shared;
}

}  // namespace filesd
