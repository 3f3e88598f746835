// test_mysql_table_async_mariadb.cc - mysql: lookup_async on an event loop
// against a real private MariaDB ([mariadb]; run by
// tests/integration/test_mysql_table.py).
#include <event2/event.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "core/log/log.h"
#include "mariadb_env.h"

using namespace vmk_test;
using core::table::LookupResult;

namespace {

const char* kKvQuery = "query = SELECT v FROM vmk_kv WHERE k='%s' ORDER BY pos\n";

struct Quiet {
  Quiet() {
    core::log::set_sink([](core::log::Level, std::string_view) {});
  }
  ~Quiet() { core::log::set_sink(nullptr); }
};

// Loop - an event_base and a mysql: table bound to it.
struct Loop {
  event_base* base = event_base_new();
  std::unique_ptr<core::table::Table> table;

  explicit Loop(const std::string& spec) {
    REQUIRE(base != nullptr);
    core::table::OpenContext ctx;
    ctx.loop = base;
    auto t = core::table::open_checked(spec, ctx);
    INFO(spec << ": " << (t ? "" : t.error().text));
    REQUIRE(t);
    table = std::move(*t);
    REQUIRE(table->supports_async());
  }
  ~Loop() {
    table.reset();
    event_base_free(base);
  }
  // run - start every key, then run the loop until all are answered (or 20 s).
  std::vector<std::optional<LookupResult>> run(const std::vector<std::string>& keys) {
    std::vector<std::optional<LookupResult>> out(keys.size());
    size_t left = keys.size();
    for (size_t i = 0; i < keys.size(); ++i)
      table->lookup_async(keys[i], [&out, &left, i](LookupResult r) {
        REQUIRE(!out[i]);  // exactly once
        out[i] = std::move(r);
        --left;
      });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (left > 0 && std::chrono::steady_clock::now() < deadline) event_base_loop(base, EVLOOP_ONCE);
    CHECK(left == 0);
    return out;
  }
  LookupResult one(const std::string& key) {
    auto r = run({key});
    REQUIRE(r[0]);
    return *r[0];
  }
};

std::string show(const LookupResult& r) {
  if (!r) return (r.error().retry() ? "TEMP " : "PERM ") + r.error().text;
  return r->has_value() ? "OK " + **r : "NOTFOUND";
}

}  // namespace

TEST_CASE("mariadb async: answers exactly as the blocking lookup (rows, NULLs, escaping)", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  Quiet quiet;
  TempCf cf(*env, kKvQuery);
  Loop loop("mysql:" + cf.path);
  std::vector<std::string> keys = {"plain", "PLAIN", "nosuch", "multi", "nulls", "onlynull", "empty",
                                   "onlyempty", "o'brien", "back\\slash", "dq\"x", "100%", "100",
                                   "under_score", "underXscore", "with space",
                                   "j\xc3\xbcrgen@ex\xc3\xa4mple.com", "x' or '1'='1", "x' OR 1=1 -- ",
                                   "plain'; DROP TABLE vmk_kv; -- ", ""};
  auto got = loop.run(keys);
  int found = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    INFO(keys[i]);
    REQUIRE(got[i]);
    REQUIRE(*got[i]);
    CHECK(show(*got[i]) == show(loop.table->lookup(keys[i])));
    found += (*got[i])->has_value();
  }
  CHECK(found >= 10);
  CHECK(show(loop.one("multi")) == "OK first,second,third");
  CHECK(show(loop.one("o'brien")) == "OK quote");
  CHECK(show(loop.one("nosuch")) == "NOTFOUND");
}

TEST_CASE("mariadb async: SQL errors are Retry and the session stays usable", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  Quiet quiet;
  TempCf cf(*env, "query = SELECT v FROM no_such_table_vmk WHERE k='%s'\n");
  Loop loop("mysql:" + cf.path);
  auto r = loop.one("plain");
  REQUIRE(!r);
  CHECK(r.error().kind == core::ErrorKind::Retry);
  CHECK(r.error().text.find("query failed") != std::string::npos);
}

TEST_CASE("mariadb async: many concurrent lookups on one loop", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  Quiet quiet;
  TempCf cf(*env, kKvQuery);
  Loop loop("mysql:" + cf.path);
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back(i % 3 == 0 ? "multi" : i % 3 == 1 ? "o'brien" : "nosuch");
  auto got = loop.run(keys);
  int good = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!got[i]) continue;
    std::string want = i % 3 == 0 ? "OK first,second,third" : i % 3 == 1 ? "OK quote" : "NOTFOUND";
    good += show(*got[i]) == want;
  }
  CHECK(good == 500);
}

TEST_CASE("mariadb async: server stopped is Retry, never not found; restart recovers", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  if (std::getenv("VMAILKIT_TEST_MYSQL_CONTROL") == nullptr) {
    WARN("SKIPPED: VMAILKIT_TEST_MYSQL_CONTROL unset (no way to stop the server)");
    return;
  }
  Quiet quiet;
  TempCf cf(*env, kKvQuery);
  Loop loop("mysql:" + cf.path);
  CHECK(show(loop.run({"plain", "multi", "nosuch"})[0].value()) == "OK one");  // sessions exist
  REQUIRE(control("stop"));
  auto down = loop.run({"plain", "nosuch", "multi"});
  for (auto& r : down) {
    REQUIRE(r);
    REQUIRE(!*r);
    CHECK(r->error().kind == core::ErrorKind::Retry);
  }
  REQUIRE(control("start"));
  auto start = std::chrono::steady_clock::now();
  bool recovered = false;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(15)) {
    auto r = loop.one("plain");
    if (r) {
      CHECK(show(r) == "OK one");
      recovered = true;
      break;
    }
    CHECK(r.error().kind == core::ErrorKind::Retry);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(recovered);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(6));
  // Restart while sessions sit idle: the next lookups succeed at once.
  loop.run({"plain", "multi", "o'brien"});
  REQUIRE(control("stop"));
  REQUIRE(control("start"));
  auto again = loop.run({"multi", "o'brien"});
  REQUIRE(again[0]);
  INFO(show(*again[0]));
  CHECK(show(*again[0]) == "OK first,second,third");
  CHECK(show(again[1].value()) == "OK quote");
}
