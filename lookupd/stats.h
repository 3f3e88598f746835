// stats.h - lookupd's counters and their one-line summary.
//
// Counted per map: requests, cache hits, misses (table lookups), stale
// answers, temporary errors, and the latency (avg/max) of table lookups.
// Totals are the sum over maps. summary() is what lookupd logs every
// lookupd_stats_interval and on SIGUSR1, and what the reserved socketmap
// map "__stats" answers:
//
//   requests=12 hits=7 misses=5 stale=0 temp=1 unknown=0 maps: virtual_mailbox(requests=9
//   hits=6 misses=3 stale=0 temp=1 avg=0.8ms max=1.9ms) domains(...)
//
// Plain counters, not thread-safe: updated on the event-loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace lookupd {

struct MapCounters {
  uint64_t requests = 0;
  uint64_t hits = 0;     // answered from a fresh cache entry
  uint64_t misses = 0;   // went to the table
  uint64_t stale = 0;    // table failed, answered from an expired entry
  uint64_t temp = 0;     // answered TEMP/PERM
  uint64_t coalesced = 0;  // waited for another client's identical lookup
  std::chrono::microseconds latency_sum{0};
  std::chrono::microseconds latency_max{0};
  uint64_t latency_count = 0;

  void add_latency(std::chrono::microseconds d);
};

class Stats {
 public:
  MapCounters& map(const std::string& name) { return maps_[name]; }
  void unknown_map() { ++unknown_; }
  // summary - one log line: totals, then each map.
  std::string summary() const;

 private:
  std::map<std::string, MapCounters> maps_;
  uint64_t unknown_ = 0;
};

}  // namespace lookupd
