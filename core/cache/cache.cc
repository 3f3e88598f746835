// cache.cc - LRU answer cache with TTLs and serve-stale.
#include "core/cache/cache.h"

namespace core::cache {

// find - the entry for KEY, moved to the front; end() when absent.
Cache::List::iterator Cache::find(const std::string& key) {
  auto it = index_.find(std::string_view(key));
  if (it == index_.end()) return lru_.end();
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second;
}

namespace {
size_t cost(const std::string& key, const std::optional<std::string>& value) {
  return Cache::kEntryOverhead + key.size() + (value ? value->size() : 0);
}
}  // namespace

void Cache::erase(List::iterator it) {
  bytes_ -= cost(it->key, it->value);
  index_.erase(std::string_view(it->key));
  lru_.erase(it);
}

void Cache::clear() {
  index_.clear();
  lru_.clear();
  bytes_ = 0;
}

// get - fresh entries only; entries too old even for serve-stale are dropped.
Cache::Hit Cache::get(const std::string& key, Clock::time_point now) {
  auto it = find(key);
  if (it == lru_.end()) return {};
  if (now < it->expires) return {State::Fresh, it->value, now - it->fetched, false};
  if (!it->value || now - it->fetched >= options_.stale_max) erase(it);
  return {};
}

// stale - the old positive value, with a log flag at most once per interval.
Cache::Hit Cache::stale(const std::string& key, Clock::time_point now) {
  auto it = find(key);
  if (it == lru_.end() || !it->value) return {};
  if (now - it->fetched >= options_.stale_max) {
    erase(it);
    return {};
  }
  Hit hit{State::Stale, it->value, now - it->fetched, false};
  if (!it->stale_logged || now - *it->stale_logged >= options_.stale_log_interval) {
    it->stale_logged = now;
    hit.log = true;
  }
  return hit;
}

// put - store or refresh KEY; evict from the LRU end beyond max_entries / max_bytes.
void Cache::put(const std::string& key, std::optional<std::string> value, Clock::time_point now) {
  if (!enabled() || options_.max_entries == 0) return;
  auto ttl = value ? options_.ttl : options_.negative_ttl;
  auto it = find(key);
  if (ttl.count() <= 0) {
    // A "not found" that is not cached must also not leave an older positive
    // answer behind for serve-stale: the table said the key is gone.
    if (it != lru_.end()) erase(it);
    return;
  }
  if (cost(key, value) > options_.max_bytes) {  // would evict everything else
    if (it != lru_.end()) erase(it);
    return;
  }
  if (it == lru_.end()) {
    lru_.push_front(Entry{key, {}, {}, {}, {}});
    it = lru_.begin();
    index_.emplace(std::string_view(it->key), it);
    bytes_ += cost(key, std::nullopt);
  }
  bytes_ += (value ? value->size() : 0);
  bytes_ -= (it->value ? it->value->size() : 0);
  it->value = std::move(value);
  it->fetched = now;
  it->expires = now + ttl;
  it->stale_logged.reset();
  while (index_.size() > options_.max_entries || bytes_ > options_.max_bytes) erase(std::prev(lru_.end()));
}

}  // namespace core::cache
