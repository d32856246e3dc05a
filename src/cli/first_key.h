// The key of a new data directory: on the first start there is no key at all, so `serve` makes one
// for project "default" and hands it to the operator once, without putting it in any log:
//  * stdout is a terminal: the key is printed there, with copy-paste commands to try it;
//  * otherwise (a service manager, a pipe, a file): it is written to <data-dir>/initial-api-key
//    (mode 0600, created exclusively, fsynced), and only that path is logged.
// Instances starting together on one metadata store make one key between them: the key is inserted
// only into a store that has none (MetadataStore::InsertFirstApiKey); the others make nothing and
// write no file. Called once, at startup, before the server takes requests.
#pragma once

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "meta/metadata_store.h"

namespace filesd {

inline constexpr char kInitialApiKeyFile[] = "initial-api-key";

// Does nothing when any key (even a revoked one) exists, or is made meanwhile by another instance.
// `config` gives the data directory and the listen host; `port` the bound port. Fails (and the key
// is revoked again) if the key file cannot be written; store errors pass through.
Status CreateFirstKeyIfNone(MetadataStore& meta, const Clock& clock, const ServeConfig& config,
                            uint16_t port);

}  // namespace filesd
