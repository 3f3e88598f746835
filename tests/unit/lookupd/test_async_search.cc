// test_async_search.cc - the loop-side address search: order, first hit,
// first error, inline and deferred answers, and the resolver using it.
#include "lookupd/async_search.h"

#include <catch2/catch.hpp>
#include <deque>

#include "core/log/log.h"
#include "fake_table.h"
#include "lookupd/resolver.h"

using namespace lookupd;
using lookupd::test::RecordingTable;

namespace {

// AsyncFake - answers from a RecordingTable through lookup_async, either at
// once (inline) or when the test drains the queue (a loop stand-in).
class AsyncFake final : public core::table::Table {
 public:
  AsyncFake(RecordingTable& inner, bool defer, std::deque<std::function<void()>>* loop)
      : inner_(inner), defer_(defer), loop_(loop) {}
  core::table::LookupResult lookup(std::string_view) override {
    FAIL("blocking lookup() called on an async table");
    return core::retry_error("unreachable");
  }
  bool supports_async() const override { return true; }
  void lookup_async(std::string_view key, std::function<void(core::table::LookupResult)> done) override {
    auto r = inner_.lookup(key);
    if (!defer_) return done(std::move(r));
    loop_->push_back([r, done = std::move(done)] { done(r); });
  }

 private:
  RecordingTable& inner_;
  bool defer_;
  std::deque<std::function<void()>>* loop_;
};

// MemoryFake - an in_memory() table answering from a RecordingTable.
class MemoryFake final : public core::table::Table {
 public:
  explicit MemoryFake(RecordingTable& inner) : inner_(inner) {}
  core::table::LookupResult lookup(std::string_view key) override { return inner_.lookup(key); }
  bool in_memory() const override { return true; }

 private:
  RecordingTable& inner_;
};

std::string show(const core::table::LookupResult& r) {
  if (!r) return (r.error().retry() ? "TEMP " : "PERM ") + r.error().text;
  return r->has_value() ? "OK " + **r : "NOTFOUND";
}

struct Walk {
  std::vector<std::string> log;
  std::deque<std::function<void()>> loop;
  RecordingTable a_data, b_data;
  std::unique_ptr<core::table::TableList> list;
  std::vector<std::string> answers;

  Walk(std::map<std::string, std::string> a, std::map<std::string, std::string> b, bool defer,
       std::set<std::string> a_fail = {})
      : a_data(std::move(a), std::move(a_fail), &log, "A:"), b_data(std::move(b), {}, &log, "B:") {
    std::vector<std::unique_ptr<core::table::Table>> tables;
    tables.push_back(std::make_unique<AsyncFake>(a_data, defer, &loop));
    tables.push_back(std::make_unique<MemoryFake>(b_data));
    list = std::make_unique<core::table::TableList>(std::move(tables));
  }
  void search(const std::string& key, bool propagate = false) {
    search_async(*list, key_forms(key, AddressPolicy{"+", true, "double-bounce"}), propagate, nullptr,
                 [this](core::table::LookupResult r) { answers.push_back(show(r)); });
    while (!loop.empty()) {
      auto f = std::move(loop.front());
      loop.pop_front();
      f();
    }
  }
};

}  // namespace

TEST_CASE("search_async: every form against every table, in search_address order", "[unit]") {
  for (bool defer : {false, true}) {
    INFO("defer " << defer);
    Walk w({}, {}, defer);
    w.search("U+Ext@Ex.com");
    CHECK(w.answers == std::vector<std::string>{"NOTFOUND"});
    CHECK(w.log == std::vector<std::string>{"A:u+ext@ex.com", "B:u+ext@ex.com", "A:u@ex.com", "B:u@ex.com",
                                            "A:@ex.com", "B:@ex.com"});
    // The same order as the blocking search over the same tables.
    std::vector<std::string> async_log = w.log;
    w.log.clear();
    CHECK(show(search_address(w.b_data, "U+Ext@Ex.com", AddressPolicy{"+", true, "double-bounce"}, false)) ==
          "NOTFOUND");
    CHECK(w.log == std::vector<std::string>{"B:u+ext@ex.com", "B:u@ex.com", "B:@ex.com"});
  }
}

TEST_CASE("search_async: the first hit wins and propagates the extension", "[unit]") {
  for (bool defer : {false, true}) {
    INFO("defer " << defer);
    Walk w({{"@ex.com", "catchall@ex.org"}}, {{"u@ex.com", "a@ex.org, b@ex.org"}}, defer);
    w.search("u+Ext@ex.com", true);
    CHECK(w.answers == std::vector<std::string>{"OK a+Ext@ex.org,b+Ext@ex.org"});
    CHECK(w.log == std::vector<std::string>{"A:u+ext@ex.com", "B:u+ext@ex.com", "A:u@ex.com", "B:u@ex.com"});
    w.log.clear();
    w.answers.clear();
    w.search("x@ex.com");
    CHECK(w.answers == std::vector<std::string>{"OK catchall@ex.org"});
    CHECK(w.log == std::vector<std::string>{"A:x@ex.com", "B:x@ex.com", "A:@ex.com"});
  }
}

TEST_CASE("search_async: the first error stops the search and is passed on", "[unit]") {
  for (bool defer : {false, true}) {
    INFO("defer " << defer);
    Walk w({}, {{"@ex.com", "never"}}, defer, {"u@ex.com"});
    w.search("u+x@ex.com");
    CHECK(w.answers == std::vector<std::string>{"TEMP fake: database down"});
    CHECK(w.log == std::vector<std::string>{"A:u+x@ex.com", "B:u+x@ex.com", "A:u@ex.com"});
  }
}

TEST_CASE("loop_capable: only lists of async or in-memory tables", "[unit]") {
  RecordingTable data({});
  std::deque<std::function<void()>> loop;
  std::vector<std::unique_ptr<core::table::Table>> ok;
  ok.push_back(std::make_unique<AsyncFake>(data, false, &loop));
  ok.push_back(std::make_unique<MemoryFake>(data));
  CHECK(loop_capable(core::table::TableList(std::move(ok))));
  std::vector<std::unique_ptr<core::table::Table>> mixed;
  mixed.push_back(std::make_unique<AsyncFake>(data, false, &loop));
  mixed.push_back(std::make_unique<RecordingTable>(std::map<std::string, std::string>{}));
  CHECK_FALSE(loop_capable(core::table::TableList(std::move(mixed))));
  CHECK_FALSE(loop_capable(RecordingTable({})));
  auto st = core::table::open_checked("static:x", {});
  REQUIRE(st);
  CHECK(loop_capable(**st));
}

TEST_CASE("resolver: async maps never use the worker; misses still coalesce and cache", "[unit]") {
  core::log::set_sink([](core::log::Level, std::string_view) {});
  int submitted = 0;
  Resolver resolver(AddressPolicy{"+", true, "double-bounce"}, [&](auto, auto) { ++submitted; });
  std::deque<std::function<void()>> loop;
  RecordingTable data(std::map<std::string, std::string>{{"u@ex.com", "maildir/u/"}});
  std::vector<std::unique_ptr<core::table::Table>> tables;
  tables.push_back(std::make_unique<AsyncFake>(data, true, &loop));
  auto m = std::make_shared<Map>();
  m->name = "vmb";
  m->spec = "fake:";
  m->table = std::make_unique<core::table::TableList>(std::move(tables));
  m->address = true;
  m->cache.ttl = std::chrono::seconds(60);
  auto maps = std::make_shared<MapSet>();
  maps->emplace("vmb", m);
  resolver.set_maps(maps, AddressPolicy{"+", true, "double-bounce"});
  std::vector<std::string> got;
  for (int i = 0; i < 2; ++i)
    resolver.resolve("vmb", "U+x@ex.com", [&](const auto& r) { got.push_back(show(r)); });
  CHECK(got.empty());
  while (!loop.empty()) {
    auto f = std::move(loop.front());
    loop.pop_front();
    f();
  }
  CHECK(got == std::vector<std::string>{"OK maildir/u/", "OK maildir/u/"});
  CHECK(data.asked() == std::vector<std::string>{"u+x@ex.com", "u@ex.com"});
  resolver.resolve("vmb", "u+x@ex.com", [&](const auto& r) { got.push_back(show(r)); });  // cached
  CHECK(got.size() == 3);
  CHECK(data.asked().size() == 2);
  CHECK(submitted == 0);
  CHECK(resolver.stats().summary().find("coalesced") != std::string::npos);
  core::log::set_sink(nullptr);
}
