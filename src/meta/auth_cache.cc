#include "meta/auth_cache.h"

namespace filesd {

AuthCache::AuthCache(const Clock& clock, const AuthRevisionFile* revision,
                     AuthCacheOptions options)
    : clock_(clock), revision_(revision), options_(options) {
  if (revision_ != nullptr) seen_revision_ = revision_->Read();
}

std::optional<AuthCache::Key> AuthCache::Find(std::string_view key_id, Ticket* ticket) {
  if (!enabled()) return std::nullopt;
  const AuthRevision now_revision = revision_ != nullptr ? revision_->Read() : AuthRevision{};
  const int64_t now = clock_.NowSeconds();
  std::lock_guard lock(mu_);
  if (revision_ != nullptr && (now_revision != seen_revision_ || !now_revision.known)) {
    ClearLocked();
    seen_revision_ = now_revision;
  }
  ticket->generation = generation_;
  if (!now_revision.known) {
    ++generation_;  // nothing read now may be cached either
    return std::nullopt;
  }
  auto it = entries_.find(std::string(key_id));
  if (it == entries_.end()) return std::nullopt;
  if (now - it->second.cached_at >= options_.ttl_seconds || now < it->second.cached_at) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.key;
}

void AuthCache::Insert(const Ticket& ticket, std::string_view key_id, Key key) {
  if (!enabled()) return;
  const int64_t now = clock_.NowSeconds();
  std::lock_guard lock(mu_);
  if (ticket.generation != generation_) return;
  if (entries_.size() >= options_.max_entries) ClearLocked();
  entries_.insert_or_assign(std::string(key_id), Entry{std::move(key), now});
}

void AuthCache::Invalidate(std::string_view key_id) {
  std::lock_guard lock(mu_);
  ++generation_;
  entries_.erase(std::string(key_id));
}

void AuthCache::Clear() {
  std::lock_guard lock(mu_);
  ClearLocked();
}

void AuthCache::ClearLocked() {
  ++generation_;
  entries_.clear();
}

}  // namespace filesd
