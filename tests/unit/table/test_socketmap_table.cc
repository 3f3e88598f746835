// test_socketmap_table.cc - socketmap: client against an in-test server.
#include <catch2/catch.hpp>

#include "core/config/config.h"
#include "core/proto/netstring.h"
#include "core/proto/socketmap.h"
#include "core/table/table.h"
#include "tests/unit/proto/fake_server.h"

using namespace core::table;
using test::FakeServer;
using namespace std::chrono_literals;

namespace {

// directory_server - a socketmap server: table "virtual" knows alice, "down" is broken.
FakeServer::Handler directory_server() {
  return [](const std::string& payload) {
    auto req = core::proto::parse_socketmap_request(payload);
    if (!req) return std::string("5:PERM ,");
    LookupResult r = not_found();
    if (req->name == "down")
      r = core::retry_error("database unavailable");
    else if (req->name == "virtual" && req->key == "alice@example.com")
      r = found("alice@example.org, bob@example.org");
    else if (req->name == "virtual" && req->key == "John Doe@x")
      r = found("jd");
    return core::proto::encode_netstring(core::proto::socketmap_answer(r));
  };
}

std::unique_ptr<Table> open_ok(const std::string& spec) {
  auto t = open_checked(spec, {});
  REQUIRE(t);
  return std::move(*t);
}

}  // namespace

TEST_CASE("socketmap table: found, not found, TEMP over unix and inet", "[unit]") {
  auto unix_srv = FakeServer::unix_socket(FakeServer::Framing::Netstring, directory_server());
  auto inet_srv = FakeServer::inet(FakeServer::Framing::Netstring, directory_server());
  for (const auto& ep : {unix_srv->endpoint(), inet_srv->endpoint()}) {
    INFO(ep);
    auto t = open_ok("socketmap:" + ep + ":virtual");
    CHECK(t->lookup("alice@example.com")->value() == "alice@example.org, bob@example.org");
    CHECK(t->lookup("John Doe@x")->value() == "jd");
    CHECK(!t->lookup("Alice@example.com")->has_value());  // no case folding
    CHECK(!t->lookup("")->has_value());
    auto down = open_ok("socketmap:" + ep + ":down");
    auto r = down->lookup("alice@example.com");
    REQUIRE(!r);
    CHECK(r.error().retry());
    CHECK(r.error().text.find("database unavailable") != std::string::npos);
  }
  CHECK(unix_srv->seen().at(1) == "virtual John Doe@x");
  CHECK(unix_srv->connections() == 2);  // one per table, reused across lookups
}

TEST_CASE("socketmap table: PERM is a config error, odd replies are retry errors", "[unit]") {
  std::string reply;
  auto srv =
      FakeServer::unix_socket(FakeServer::Framing::Netstring, [&](const std::string&) { return reply; });
  auto t = open_ok("socketmap:" + srv->endpoint() + ":m");
  struct Case {
    std::string wire;
    int want;  // 0 found, 1 not found, 2 retry, 3 config
    std::string want_text = "";
  };
  std::vector<Case> cases = {
      {"4:OK x,", 0},
      {"2:OK,", 1},
      {"9:NOTFOUND ,", 1},
      {"7:PERM no,", 3, "permanent error: no"},
      {"7:TEMP no,", 2, "temporary error: no"},
      {"9:TIMEOUT x,", 2, "temporary error: x"},
      {"4:ok x,", 2, "unknown reply: ok x"},
      {"4:OK x;", 2, "malformed reply"},
      {"x:OK,", 2, "malformed reply"},
      {"100001:", 2, "malformed reply"},
      {"3:OK x,", 2, "malformed reply"},
  };
  for (const auto& c : cases) {
    INFO(c.wire);
    reply = c.wire;
    auto r = t->lookup("k");
    if (!r) CHECK(r.error().text.find(c.want_text) != std::string::npos);
    switch (c.want) {
      case 0: CHECK((r && r->has_value())); break;
      case 1: CHECK((r && !r->has_value())); break;
      case 2: CHECK((!r && r.error().kind == core::ErrorKind::Retry)); break;
      case 3: CHECK((!r && r.error().kind == core::ErrorKind::Config)); break;
    }
  }
  // A 100000-byte reply payload is the largest accepted.
  reply = core::proto::encode_netstring("OK " + std::string(core::proto::kSocketmapMaxReply - 3, 'v'));
  auto big = t->lookup("k");
  REQUIRE(big);
  CHECK((*big)->size() == core::proto::kSocketmapMaxReply - 3);
}

TEST_CASE("socketmap table: server closes the connection -> reconnect once", "[unit]") {
  int n = 0;
  auto srv = FakeServer::inet(FakeServer::Framing::Netstring, [&](const std::string&) {
    // Every second request is dropped without a reply (server closes).
    return ++n % 2 == 1 ? std::string() : core::proto::encode_netstring("OK v");
  });
  auto t = open_ok("socketmap:" + srv->endpoint() + ":m");
  auto r = t->lookup("k");
  REQUIRE(r);
  CHECK(r->value() == "v");
  CHECK(srv->connections() == 2);
  CHECK(srv->requests() == 2);

  // Closing on every request: one resend only, then a retry error.
  auto always =
      FakeServer::inet(FakeServer::Framing::Netstring, [](const std::string&) { return std::string(); });
  auto t2 = open_ok("socketmap:" + always->endpoint() + ":m");
  auto r2 = t2->lookup("k");
  REQUIRE(!r2);
  CHECK(r2.error().retry());
  CHECK(always->requests() == 2);
}

TEST_CASE("socketmap table: dead server and timeout are retry errors", "[unit]") {
  auto dead = open_ok("socketmap:inet:127.0.0.1:" + std::to_string(FakeServer::dead_port()) + ":m");
  auto r = dead->lookup("k");
  REQUIRE(!r);
  CHECK(r.error().retry());
  auto nosock = open_ok("socketmap:unix:/nonexistent/dir/s:m");
  CHECK(!nosock->lookup("k"));

  auto srv = FakeServer::unix_socket(FakeServer::Framing::Netstring, [](const std::string&) {
    std::this_thread::sleep_for(1500ms);
    return core::proto::encode_netstring("OK late");
  });
  auto cfg = core::config::Config::parse("table_client_timeout = 1s\n", "t.cf");
  REQUIRE(cfg);
  OpenContext ctx{&*cfg};
  auto t = open_checked("socketmap:" + srv->endpoint() + ":m", ctx);
  REQUIRE(t);
  auto slow = (*t)->lookup("k");
  REQUIRE(!slow);
  CHECK(slow.error().retry());
}

TEST_CASE("socketmap table: name parsing", "[unit]") {
  for (std::string bad : {"socketmap:unix:/x", "socketmap:inet:127.0.0.1:9100", "socketmap:tcp:h:1:m",
                          "socketmap:unix:/x:", "socketmap:nocolon"}) {
    INFO(bad);
    CHECK(!open_checked(bad, {}));
  }
  CHECK(open_checked("socketmap:inet:[::1]:9100:virtual", {}));
  CHECK(open_checked("socketmap:unix:private/lookupd:domains", {}));
}

TEST_CASE("socketmap table: concurrent lookups share one connection", "[unit]") {
  auto srv = FakeServer::unix_socket(FakeServer::Framing::Netstring, [](const std::string& p) {
    return core::proto::encode_netstring("OK " + p.substr(2));
  });
  auto t = open_ok("socketmap:" + srv->endpoint() + ":m");
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int j = 0; j < 50; ++j) {
        std::string key = std::to_string(i) + "-" + std::to_string(j);
        auto r = t->lookup(key);
        if (r && r->has_value() && **r == key) ++good;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(good == 200);
  CHECK(srv->connections() == 1);
}
