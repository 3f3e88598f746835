// resolver.h - answers "map name + key" from the cache or, off-thread, the tables.
//
// The Resolver is lookupd's core, independent of the wire protocols: a
// socketmap or tcp_table session calls resolve() and gets a LookupResult
// (found / not found / Retry -> TEMP / Config -> PERM) through its callback.
//
//  - Fresh cache hits are answered at once, on the caller's (loop) thread,
//    so the callback may run before resolve() returns.
//  - Misses run the table search (address key sequence for address maps) on
//    a worker through SUBMIT; identical concurrent misses share one search.
//  - A table error is answered from a stale positive entry younger than
//    lookupd_stale_max when there is one (logged once per key per minute),
//    else TEMP. Errors are never cached.
//  - The reserved map "__stats" answers with the counter summary.
//  - An unknown map name is PERM "unknown map name" (logged once per name).
//
// Threading: every member function runs on the loop thread. SUBMIT's WORK
// runs elsewhere and only touches the (immutable, shared) Map. The callback
// must not destroy the Resolver.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/table/table.h"
#include "core/cache/cache.h"
#include "lookupd/settings.h"
#include "lookupd/stats.h"

namespace lookupd {

using core::cache::Cache;  // moved from lookupd/ to core/cache/ for policyd
using core::cache::Clock;

class Resolver {
 public:
  using Reply = std::function<void(const core::table::LookupResult&)>;
  // Submit - run WORK on a worker thread, then DONE on the loop thread (Server::submit).
  using Submit = std::function<void(std::function<void()> work, std::function<void()> done)>;
  using Now = std::function<Clock::time_point()>;

  Resolver(AddressPolicy policy, Submit submit, Now now = Clock::now);

  // set_maps - install MAPS (startup, SIGHUP). Caches of maps whose spec and
  // cache options are unchanged are kept; lookups in flight finish on the old maps.
  void set_maps(std::shared_ptr<const MapSet> maps, AddressPolicy policy);
  const MapSet& maps() const { return *maps_; }

  // resolve - answer KEY in map NAME through REPLY (see above): try_now(),
  // else resolve_miss().
  void resolve(std::string_view name, std::string_view key, Reply reply);
  // try_now - the answer when it needs no table (the stats map, an unknown
  // map, an empty key, a fresh cache hit), counted as resolve() counts it;
  // nullopt means: call resolve_miss() with the same NAME and KEY next.
  // The sessions' fast path: no callback is built for a cache hit.
  std::optional<core::table::LookupResult> try_now(std::string_view name, std::string_view key);
  // resolve_miss - the table lookup after try_now() returned nullopt.
  void resolve_miss(std::string_view name, std::string_view key, Reply reply);

  const Stats& stats() const { return stats_; }
  std::string summary() const { return stats_.summary(); }

 private:
  struct MapState {
    std::string spec;
    std::unique_ptr<Cache> cache;
    std::optional<Clock::time_point> last_error_log;
    uint64_t errors_unlogged = 0;
  };
  struct Outcome {
    core::table::LookupResult result = core::table::not_found();
    std::chrono::microseconds latency{0};
  };

  void start_lookup(std::shared_ptr<const Map> map, std::string cache_key);
  void finish_lookup(const std::string& name, const std::string& cache_key, const Outcome& out);
  core::table::LookupResult on_error(const std::string& name, MapState& state, MapCounters& c,
                                     const std::string& key, const core::Error& error);
  void unknown_map(std::string_view name);
  // cache_key - KEY as MAP's cache stores it, in scratch_.
  const std::string& cache_key(const Map& map, std::string_view key);

  AddressPolicy policy_;
  Submit submit_;
  Now now_;
  std::shared_ptr<const MapSet> maps_;
  std::unordered_map<std::string, MapState> state_;
  // map name + '\0' + key -> everyone waiting for that lookup.
  std::unordered_map<std::string, std::vector<Reply>> pending_;
  std::set<std::string, std::less<>> unknown_logged_;
  Stats stats_;
  std::string scratch_;  // cache_key()'s buffer: no allocation per request
};

}  // namespace lookupd
