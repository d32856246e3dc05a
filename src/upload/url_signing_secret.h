// The URL signing secret (upload/hmac_url_signer.h) every instance sharing a metadata store uses,
// so an upload URL signed by one instance is accepted by all.
//
// In order of precedence:
//  1. the operator's --url-signing-secret (FILESD_URL_SIGNING_SECRET);
//  2. an existing <data-dir>/secret, as earlier versions created it (upload/signing_secret.h), so
//     the URLs of a current installation stay valid across the upgrade;
//  3. the shared setting "url_signing_secret" of the metadata store: 32 random bytes, hex-encoded
//     (the 64 characters are the key), created by whichever instance asks first; of instances
//     starting together exactly one creates it and all read the same (MetadataStore::
//     GetOrCreateSetting). Nothing is written to the data directory any more.
// Instances of one deployment sharing a store therefore agree unless some of them carry an old
// <data-dir>/secret: give those the secret with --url-signing-secret instead.
//
// Errors: those of LoadSigningSecretFile (a damaged or open file is refused, not replaced) and of
// the store. Messages never hold the secret.
#pragma once

#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "meta/metadata_store.h"

namespace filesd {

inline constexpr char kUrlSigningSecretSetting[] = "url_signing_secret";

Result<std::string> ResolveUrlSigningSecret(const std::string& configured,
                                            const std::string& data_dir, MetadataStore& meta,
                                            const Clock& clock);

}  // namespace filesd
