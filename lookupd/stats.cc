// stats.cc - counter summary line.
#include "lookupd/stats.h"

#include <fmt/format.h>

namespace lookupd {
namespace {

std::string ms(std::chrono::microseconds d) { return fmt::format("{:.1f}ms", d.count() / 1000.0); }

}  // namespace

void MapCounters::add_latency(std::chrono::microseconds d) {
  latency_sum += d;
  if (d > latency_max) latency_max = d;
  ++latency_count;
}

// summary - totals first so the line stays useful when it is cut.
std::string Stats::summary() const {
  MapCounters t;
  std::string per_map;
  for (const auto& [name, c] : maps_) {
    t.requests += c.requests;
    t.hits += c.hits;
    t.misses += c.misses;
    t.stale += c.stale;
    t.temp += c.temp;
    t.coalesced += c.coalesced;
    std::chrono::microseconds avg(c.latency_count ? c.latency_sum.count() / static_cast<long long>(c.latency_count) : 0);
    per_map += fmt::format(" {}(requests={} hits={} misses={} stale={} temp={} avg={} max={})", name,
                           c.requests, c.hits, c.misses, c.stale, c.temp, ms(avg), ms(c.latency_max));
  }
  return fmt::format("requests={} hits={} misses={} coalesced={} stale={} temp={} unknown={} maps:{}",
                     t.requests, t.hits, t.misses, t.coalesced, t.stale, t.temp, unknown_,
                     per_map.empty() ? std::string(" none") : per_map);
}

}  // namespace lookupd
