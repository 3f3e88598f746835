// test_stats.cc - the counter summary line.
#include <catch2/catch.hpp>

#include "lookupd/stats.h"

using namespace std::chrono_literals;

TEST_CASE("stats: summary has totals, then one group per map", "[unit]") {
  lookupd::Stats s;
  CHECK(s.summary() == "requests=0 hits=0 misses=0 coalesced=0 stale=0 temp=0 unknown=0 maps: none");
  auto& a = s.map("alias");
  a.requests = 3;
  a.hits = 1;
  a.misses = 2;
  a.add_latency(1000us);
  a.add_latency(3000us);
  auto& b = s.map("domains");
  b.requests = 1;
  b.temp = 1;
  s.unknown_map();
  CHECK(s.summary() ==
        "requests=4 hits=1 misses=2 coalesced=0 stale=0 temp=1 unknown=1 maps: "
        "alias(requests=3 hits=1 misses=2 stale=0 temp=0 avg=2.0ms max=3.0ms) "
        "domains(requests=1 hits=0 misses=0 stale=0 temp=1 avg=0.0ms max=0.0ms)");
}
