// AuthCache: what Authenticator (meta/api_keys.h) learned about API keys, kept for a short TTL so
// that a request with a known key needs no metadata read.
//
// What is cached: for a key that authenticated, its key_id, the stored hash of its secret, its
// project and its expiry; never a secret, never a rejection (an unknown key always costs a read,
// so garbage tokens cannot fill the cache). A cached entry is used only while all of these hold:
//  * it is younger than the TTL (AuthCacheOptions::ttl_seconds, by the injected Clock);
//  * the auth revision (meta/auth_revision.h) has not changed since it was cached: every revocation
//    through the metadata store bumps it, in this process or another one on the same database file,
//    so a revoked key is refused by the very next request;
//  * Invalidate()/Clear() did not drop it.
// The key's expiry is checked on every use, as the store path does. So the TTL only bounds changes
// nothing signals (a database edited by hand, a restored backup, an instance on another machine).
//
// Bounded: at most max_entries keys; when full, the cache starts over (cleared), which costs one
// read per key in use.
//
// Threading: thread-safe (one mutex, held for a map lookup; the revision's stat(2) runs outside).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "meta/auth_revision.h"

namespace filesd {

struct AuthCacheOptions {
  // How long an entry is used, in seconds; 0 disables the cache (every request reads the store).
  int64_t ttl_seconds = 2;
  size_t max_entries = 10000;
};

class AuthCache {
 public:
  struct Key {
    std::string secret_hash;  // hex SHA-256 of the secret, as stored
    std::string project_id;
    std::optional<int64_t> expires_at;
  };
  // Names the cache's state when a store read began; Insert() stores only if nothing was dropped
  // meanwhile (a revocation racing with the read is never undone).
  struct Ticket {
    uint64_t generation = 0;
  };

  // `revision`: the revision file to watch; null watches none (then only the TTL and Invalidate()
  // end entries). Both must outlive the cache.
  AuthCache(const Clock& clock, const AuthRevisionFile* revision, AuthCacheOptions options);

  bool enabled() const { return options_.ttl_seconds > 0; }

  // The entry for `key_id` if it may be used now (see the file comment), else nullopt; `ticket`
  // receives the state to pass to Insert() after reading the store.
  std::optional<Key> Find(std::string_view key_id, Ticket* ticket);

  // Caches a key that just authenticated, unless something was dropped since `ticket` was taken.
  void Insert(const Ticket& ticket, std::string_view key_id, Key key);

  // Drops one key (this process changed it), or everything.
  void Invalidate(std::string_view key_id);
  void Clear();

 private:
  struct Entry {
    Key key;
    int64_t cached_at;
  };
  void ClearLocked();

  const Clock& clock_;
  const AuthRevisionFile* const revision_;
  const AuthCacheOptions options_;

  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // by key_id; guarded by mu_
  AuthRevision seen_revision_;                       // guarded by mu_
  uint64_t generation_ = 0;                          // bumped by every drop; guarded by mu_
};

}  // namespace filesd
