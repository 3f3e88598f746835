// cache.h - an answer cache: positive/negative TTLs, LRU, serve-stale.
//
// A Cache remembers the answers (found value or "not found") of one table
// (a lookupd map, a policyd table list) for a short time, so Postfix's bursts of identical lookups (smtpd,
// cleanup and trivial-rewrite all ask for the same recipient) cost one
// database query. Errors are never stored.
//
// Fresh answers are used as they are. An entry past its TTL stays in the
// cache (until evicted or older than stale_max) so that, while the table
// reports a temporary error, a *positive* answer younger than stale_max can
// still be served ("serve-stale"). Stale negative answers are never served:
// answering NOTFOUND from old data makes Postfix reject mail with 5xx, while
// TEMP only delays it (never lose mail).
//
// Memory is bounded by max_entries and by max_bytes (keys + values + a fixed
// per-entry overhead); the least recently used entries go first.
// ttl == 0 disables the cache (nothing is stored, so nothing is stale either).
//
// Time is passed in by the caller (tests inject their own clock). Not
// thread-safe: lookupd uses each Cache from the event-loop thread only;
// policyd guards each one with a mutex.
#pragma once

#include <chrono>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace core::cache {

using Clock = std::chrono::steady_clock;

class Cache {
 public:
  struct Options {
    std::chrono::seconds ttl{5};                  // positive answers; 0 = cache off
    std::chrono::seconds negative_ttl{2};         // "not found" answers; 0 = not stored
    std::chrono::seconds stale_max{3600};         // serve-stale limit, counted from the fetch
    std::chrono::seconds stale_log_interval{60};  // one "serving stale" log line per key per interval
    size_t max_entries = 10000;                   // LRU bound: entries
    size_t max_bytes = 64 << 20;                  // LRU bound: key + value + kEntryOverhead bytes
    bool operator==(const Options&) const = default;
  };

  enum class State { Miss, Fresh, Stale };
  struct Hit {
    State state = State::Miss;
    std::optional<std::string> value;  // Fresh: the answer; Stale: the old positive value
    Clock::duration age{};             // time since the answer was fetched
    bool log = false;                  // Stale: the caller should log this one
  };

  explicit Cache(Options options) : options_(options) {}

  bool enabled() const { return options_.ttl.count() > 0; }
  const Options& options() const { return options_; }

  // get - a fresh answer for KEY, or Miss (an expired entry is kept for stale()).
  Hit get(const std::string& key, Clock::time_point now);
  // stale - after a table error: an expired positive answer younger than stale_max, or Miss.
  Hit stale(const std::string& key, Clock::time_point now);
  // put - remember VALUE (nullopt = not found) fetched at NOW.
  void put(const std::string& key, std::optional<std::string> value, Clock::time_point now);

  size_t size() const { return index_.size(); }
  size_t bytes() const { return bytes_; }
  // Approximate bookkeeping cost of one entry (list node, index slot, times).
  static constexpr size_t kEntryOverhead = 128;
  void clear();

 private:
  struct Entry {
    std::string key;
    std::optional<std::string> value;
    Clock::time_point fetched;
    Clock::time_point expires;
    std::optional<Clock::time_point> stale_logged;
  };
  using List = std::list<Entry>;

  List::iterator find(const std::string& key);
  void erase(List::iterator it);

  Options options_;
  List lru_;                                                    // front = most recently used
  std::unordered_map<std::string_view, List::iterator> index_;  // views into Entry::key
  size_t bytes_ = 0;
};

}  // namespace core::cache
