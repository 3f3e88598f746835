// test_resolver.cc - cache fast path, coalescing, serve-stale, errors, stats map.
#include <catch2/catch.hpp>

#include <deque>

#include "core/log/log.h"
#include "fake_table.h"
#include "lookupd/resolver.h"

using namespace lookupd;
using namespace std::chrono_literals;
using lookupd::test::RecordingTable;

namespace {

// Jobs - Server::submit() stand-in: work and done run when the test says so.
struct Jobs {
  std::deque<std::pair<std::function<void()>, std::function<void()>>> q;
  Resolver::Submit submit() {
    return [this](std::function<void()> w, std::function<void()> d) { q.emplace_back(std::move(w), std::move(d)); };
  }
  void run() {
    while (!q.empty()) {
      auto [w, d] = std::move(q.front());
      q.pop_front();
      w();
      d();
    }
  }
};

std::string show(const core::table::LookupResult& r) {
  if (!r) return (r.error().retry() ? "TEMP " : "PERM ") + r.error().text;
  return r->has_value() ? "OK " + **r : "NOTFOUND";
}

struct Fixture {
  Jobs jobs;
  Clock::time_point now = Clock::time_point() + 1000h;
  RecordingTable* table = nullptr;
  std::vector<std::pair<core::log::Level, std::string>> logs;
  Resolver resolver{AddressPolicy{"+", true, "double-bounce"}, jobs.submit(), [this] { return now; }};

  explicit Fixture(std::chrono::seconds ttl = 5s, bool address = true, bool propagate = false) {
    core::log::set_sink([this](core::log::Level l, std::string_view t) { logs.emplace_back(l, std::string(t)); });
    auto t = std::make_unique<RecordingTable>(std::map<std::string, std::string>{
        {"u@ex.com", "maildir/u/"}, {"@ex.com", "catchall/"}, {"al@ex.com", "t@ex.org"}});
    table = t.get();
    auto m = std::make_shared<Map>();
    m->name = "vmb";
    m->spec = "fake:";
    m->table = std::move(t);
    m->address = address;
    m->propagate = propagate;
    m->cache.ttl = ttl;
    m->cache.negative_ttl = 2s;
    auto maps = std::make_shared<MapSet>();
    maps->emplace("vmb", m);
    resolver.set_maps(maps, AddressPolicy{"+", true, "double-bounce"});
  }
  ~Fixture() { core::log::set_sink(nullptr); }
  std::vector<std::string> ask(std::string_view map, std::string_view key, int times = 1) {
    auto out = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < times; ++i)
      resolver.resolve(map, key, [out](const core::table::LookupResult& r) { out->push_back(show(r)); });
    jobs.run();
    return *out;
  }
};

}  // namespace

TEST_CASE("resolver: misses go to a worker, hits come from the cache", "[unit]") {
  Fixture f;
  CHECK(f.ask("vmb", "U+x@Ex.com") == std::vector<std::string>{"OK maildir/u/"});
  CHECK(f.table->asked() == std::vector<std::string>{"u+x@ex.com", "u@ex.com"});
  CHECK(f.ask("vmb", "u+x@ex.com") == std::vector<std::string>{"OK maildir/u/"});
  CHECK(f.table->asked().size() == 2);  // cache hit, lowercased key shares the entry
  f.now += 5s;
  CHECK(f.ask("vmb", "u+x@ex.com") == std::vector<std::string>{"OK maildir/u/"});
  CHECK(f.table->asked().size() == 4);  // expired: asked again
  const auto& c = f.resolver.stats();
  (void)c;
  CHECK(f.resolver.summary().find("requests=3 hits=1 misses=2") == 0);
}

TEST_CASE("resolver: cache_ttl 0 asks the table every time", "[unit]") {
  Fixture f(0s);
  f.ask("vmb", "u@ex.com");
  f.ask("vmb", "u@ex.com");
  CHECK(f.table->asked().size() == 2);
}

TEST_CASE("resolver: concurrent identical misses share one table lookup", "[unit]") {
  Fixture f(0s);
  CHECK(f.ask("vmb", "u@ex.com", 3) == std::vector<std::string>(3, "OK maildir/u/"));
  CHECK(f.table->asked() == std::vector<std::string>{"u@ex.com"});
  CHECK(f.resolver.summary().find("coalesced=2") != std::string::npos);
}

TEST_CASE("resolver: serve-stale during table errors, else TEMP; errors not cached", "[unit]") {
  Fixture f;
  CHECK(f.ask("vmb", "u@ex.com") == std::vector<std::string>{"OK maildir/u/"});
  CHECK(f.ask("vmb", "other@nowhere") == std::vector<std::string>{"NOTFOUND"});
  f.table->set_fail({"u@ex.com", "other@nowhere", "new@ex.com"});
  f.now += 30s;
  CHECK(f.ask("vmb", "u@ex.com", 2) == std::vector<std::string>(2, "OK maildir/u/"));
  CHECK(f.ask("vmb", "u@ex.com") == std::vector<std::string>{"OK maildir/u/"});
  CHECK(f.ask("vmb", "other@nowhere") == std::vector<std::string>{"TEMP fake: database down"});  // no stale negatives
  CHECK(f.ask("vmb", "new@ex.com") == std::vector<std::string>{"TEMP fake: database down"});
  int stale_lines = 0;
  for (const auto& [l, t] : f.logs)
    if (t.find("serving stale answer for \"u@ex.com\"") != std::string::npos) ++stale_lines;
  CHECK(stale_lines == 1);  // one line per key per interval, not per request
  f.now += 3600s;
  CHECK(f.ask("vmb", "u@ex.com") == std::vector<std::string>{"TEMP fake: database down"});
  f.table->set_fail({});
  size_t before = f.table->asked().size();
  CHECK(f.ask("vmb", "new@ex.com") == std::vector<std::string>{"OK catchall/"});
  CHECK(f.table->asked().size() > before);  // the error was not cached
  CHECK(f.resolver.summary().find("stale=2 temp=3") != std::string::npos);
}

TEST_CASE("resolver: table error log lines are throttled per map", "[unit]") {
  Fixture f(0s);
  f.table->set_fail({"a@ex.com", "b@ex.com"});
  f.ask("vmb", "a@ex.com");
  f.ask("vmb", "b@ex.com");
  f.now += 10s;
  f.ask("vmb", "a@ex.com");
  REQUIRE(f.logs.size() == 2);
  CHECK(f.logs[0].second == "map vmb: lookup of \"a@ex.com\" failed: fake: database down");
  CHECK(f.logs[1].second == "map vmb: lookup of \"a@ex.com\" failed: fake: database down (1 more failures not logged)");
}

TEST_CASE("resolver: unknown map, empty key, stats map", "[unit]") {
  Fixture f;
  CHECK(f.ask("nosuch", "k", 2) == std::vector<std::string>(2, "PERM unknown map name"));
  REQUIRE(f.logs.size() == 1);  // once per name
  CHECK(f.logs[0].first == core::log::Level::Warning);
  CHECK(f.logs[0].second.find("unknown map name \"nosuch\"") != std::string::npos);
  CHECK(f.ask("vmb", "") == std::vector<std::string>{"NOTFOUND"});
  CHECK(f.table->asked().empty());
  auto s = f.ask(kStatsMap, "x");
  REQUIRE(s.size() == 1);
  CHECK(s[0].rfind("OK requests=1 hits=0 misses=0 coalesced=0 stale=0 temp=0 unknown=2 maps: vmb(", 0) == 0);
}

TEST_CASE("resolver: non-address maps get the key exactly as sent", "[unit]") {
  Fixture f(5s, false);
  CHECK(f.ask("vmb", "U@ex.com") == std::vector<std::string>{"NOTFOUND"});
  CHECK(f.table->asked() == std::vector<std::string>{"U@ex.com"});
}

TEST_CASE("resolver: reload keeps caches of unchanged maps", "[unit]") {
  Fixture f;
  f.ask("vmb", "u@ex.com");
  auto same = std::make_shared<MapSet>(f.resolver.maps());
  f.resolver.set_maps(same, AddressPolicy{"+", true, "double-bounce"});
  f.ask("vmb", "u@ex.com");
  CHECK(f.table->asked().size() == 1);
  auto changed = std::make_shared<MapSet>();
  auto m = std::make_shared<Map>();
  m->name = "vmb";
  m->spec = "static:other";
  m->table = core::table::open("static:other", {});
  changed->emplace("vmb", m);
  f.resolver.set_maps(changed, AddressPolicy{"+", true, "double-bounce"});
  CHECK(f.ask("vmb", "u@ex.com") == std::vector<std::string>{"OK other"});
}

TEST_CASE("resolver: propagating maps keep the caller's extension case per cache entry", "[unit]") {
  Fixture f(5s, true, true);
  CHECK(f.ask("vmb", "al+Tag@ex.com") == std::vector<std::string>{"OK t+Tag@ex.org"});
  CHECK(f.ask("vmb", "al+tag@ex.com") == std::vector<std::string>{"OK t+tag@ex.org"});
  CHECK(f.ask("vmb", "al+Tag@ex.com") == std::vector<std::string>{"OK t+Tag@ex.org"});
  CHECK(f.table->asked() == std::vector<std::string>{"al+tag@ex.com", "al@ex.com", "al+tag@ex.com", "al@ex.com"});
}
