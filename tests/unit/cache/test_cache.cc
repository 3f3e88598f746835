// test_cache.cc - TTLs, negative TTLs, LRU eviction and serve-stale with a fake clock.
#include <catch2/catch.hpp>

#include "core/cache/cache.h"

using core::cache::Cache;
using core::cache::Clock;
using namespace std::chrono_literals;

namespace {
const Clock::time_point t0 = Clock::time_point() + 1000h;
Cache::Options opts(std::chrono::seconds ttl = 5s, std::chrono::seconds neg = 2s, size_t size = 100) {
  Cache::Options o;
  o.ttl = ttl;
  o.negative_ttl = neg;
  o.stale_max = 3600s;
  o.stale_log_interval = 60s;
  o.max_entries = size;
  return o;
}
}  // namespace

TEST_CASE("cache: positive and negative TTLs", "[unit]") {
  struct Case {
    const char* name;
    std::optional<std::string> value;
    std::chrono::seconds at;
    Cache::State want;
  };
  const Case cases[] = {
      {"positive fresh", "v", 4s, Cache::State::Fresh},
      {"positive expired at ttl", "v", 5s, Cache::State::Miss},
      {"negative fresh", std::nullopt, 1s, Cache::State::Fresh},
      {"negative expired", std::nullopt, 2s, Cache::State::Miss},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Cache cache(opts());
    cache.put("k", c.value, t0);
    auto hit = cache.get("k", t0 + c.at);
    CHECK(hit.state == c.want);
    if (c.want == Cache::State::Fresh) CHECK(hit.value == c.value);
  }
}

TEST_CASE("cache: ttl 0 disables, negative ttl 0 stores no negatives", "[unit]") {
  Cache off(opts(0s));
  CHECK(!off.enabled());
  off.put("k", "v", t0);
  CHECK(off.size() == 0);
  CHECK(off.get("k", t0).state == Cache::State::Miss);
  CHECK(off.stale("k", t0 + 10s).state == Cache::State::Miss);

  Cache noneg(opts(5s, 0s));
  noneg.put("k", "v", t0);
  noneg.put("k", std::nullopt, t0 + 6s);  // the key is gone: no stale value may survive
  CHECK(noneg.size() == 0);
  CHECK(noneg.stale("k", t0 + 7s).state == Cache::State::Miss);
}

TEST_CASE("cache: LRU evicts the least recently used entry", "[unit]") {
  Cache cache(opts(5s, 2s, 2));
  cache.put("a", "1", t0);
  cache.put("b", "2", t0);
  CHECK(cache.get("a", t0).state == Cache::State::Fresh);  // a is now most recent
  cache.put("c", "3", t0);
  CHECK(cache.size() == 2);
  CHECK(cache.get("b", t0).state == Cache::State::Miss);
  CHECK(cache.get("a", t0).value == "1");
  CHECK(cache.get("c", t0).value == "3");
  cache.put("a", "1b", t0 + 1s);  // refresh does not grow the cache
  CHECK(cache.size() == 2);
  CHECK(cache.get("a", t0 + 1s).value == "1b");
}

TEST_CASE("cache: serve-stale only for positive entries younger than stale_max", "[unit]") {
  Cache cache(opts());
  cache.put("pos", "v", t0);
  cache.put("neg", std::nullopt, t0);
  CHECK(cache.get("pos", t0 + 10s).state == Cache::State::Miss);  // expired, but kept
  auto s = cache.stale("pos", t0 + 10s);
  CHECK(s.state == Cache::State::Stale);
  CHECK(s.value == "v");
  CHECK(s.age == 10s);
  CHECK(s.log);
  CHECK(cache.stale("neg", t0 + 10s).state == Cache::State::Miss);
  CHECK(cache.stale("pos", t0 + 3599s).state == Cache::State::Stale);
  CHECK(cache.stale("pos", t0 + 3600s).state == Cache::State::Miss);
  CHECK(cache.size() == 1);                                         // pos dropped as too old
  CHECK(cache.get("neg", t0 + 3600s).state == Cache::State::Miss);  // expired negatives go on get()
  CHECK(cache.size() == 0);
}

TEST_CASE("cache: stale log flag once per key per interval", "[unit]") {
  Cache cache(opts());
  cache.put("a", "1", t0);
  cache.put("b", "2", t0);
  std::vector<bool> logs;
  for (auto at : {10s, 20s, 69s, 70s, 71s}) logs.push_back(cache.stale("a", t0 + at).log);
  CHECK(logs == std::vector<bool>{true, false, false, true, false});
  CHECK(cache.stale("b", t0 + 71s).log);  // per key
  cache.put("a", "1", t0 + 100s);         // a successful fetch resets the log state
  CHECK(cache.stale("a", t0 + 110s).log);
}

TEST_CASE("cache: memory bound evicts by bytes, oversized values are not stored", "[unit]") {
  auto o = opts(5s, 2s, 100);
  o.max_bytes = 2 * Cache::kEntryOverhead + 2 + 200;  // room for keys "a", "b" and 200 value bytes
  Cache cache(o);
  cache.put("a", std::string(100, 'x'), t0);
  cache.put("b", std::string(100, 'y'), t0);
  CHECK(cache.size() == 2);
  CHECK(cache.bytes() == o.max_bytes);
  cache.put("c", std::string(1, 'z'), t0);  // over the byte bound: "a" (LRU) goes
  CHECK(cache.get("a", t0).state == Cache::State::Miss);
  CHECK(cache.get("b", t0).state == Cache::State::Fresh);
  CHECK(cache.bytes() == 2 * Cache::kEntryOverhead + 2 + 101);
  cache.put("b", std::string(1, 'y'), t0);  // shrinking a value gives bytes back
  CHECK(cache.bytes() == 2 * Cache::kEntryOverhead + 2 + 2);
  cache.put("huge", std::string(1000, 'h'), t0);
  CHECK(cache.get("huge", t0).state == Cache::State::Miss);
  CHECK(cache.size() == 2);
  cache.clear();
  CHECK(cache.bytes() == 0);
}
