// test_tcp_table.cc - tcp: client against an in-test line server.
#include <catch2/catch.hpp>

#include "core/proto/tcp_table.h"
#include "core/table/table.h"
#include "tests/unit/proto/fake_server.h"

using namespace core::table;
using test::FakeServer;
using namespace std::string_literals;

namespace {

std::unique_ptr<Table> open_ok(const std::string& spec) {
  auto t = open_checked(spec, {});
  REQUIRE(t);
  return std::move(*t);
}

}  // namespace

TEST_CASE("tcp table: keys are hex-quoted, values decoded", "[unit]") {
  auto srv = FakeServer::inet(FakeServer::Framing::Line, [](const std::string& line) {
    auto req = core::proto::parse_tcp_request(line + "\n");
    if (!req.request()) return std::string("400 bad request\n");
    if (req.key == "John Doe@Example.COM")
      return core::proto::tcp_answer(found("jd@example.org, backup@example.org"));
    if (req.key == "k\xc3\xa9y%") return core::proto::tcp_answer(found("v\r\n%"));
    if (req.key == "down") return core::proto::tcp_answer(core::retry_error("db down"));
    return core::proto::tcp_answer(not_found());
  });
  auto t = open_ok("tcp:" + srv->host_port());
  CHECK(t->lookup("John Doe@Example.COM")->value() == "jd@example.org, backup@example.org");
  CHECK(t->lookup("k\xc3\xa9y%")->value() == "v\r\n%");
  CHECK(!t->lookup("nobody")->has_value());
  CHECK(srv->connections() == 1);  // 500 keeps the connection
  auto r = t->lookup("down");
  REQUIRE(!r);
  CHECK(r.error().retry());
  CHECK(t->lookup("nobody"));
  CHECK(srv->connections() == 2);  // 400 closed it, as Postfix does
  auto seen = srv->seen();
  CHECK(seen.at(0) == "get John%20Doe@Example.COM");
  CHECK(seen.at(1) == "get k%C3%A9y%25");
}

TEST_CASE("tcp table: reply classification", "[unit]") {
  std::string reply;
  auto srv = FakeServer::inet(FakeServer::Framing::Line, [&](const std::string&) { return reply; });
  auto t = open_ok("tcp:" + srv->host_port());
  struct Case {
    std::string wire;
    int want;  // 0 found, 1 not found, 2 retry
    std::string want_value;
  };
  std::vector<Case> cases = {
      {"200 a%2cb\n", 0, "a,b"},
      {"299 x\n", 0, "x"},
      {"200  x\n", 0, " x"},
      {"200 v\r\n", 0, "v\r"},
      {"500 no\n", 1, ""},
      {"554 no\n", 1, ""},
      {"400 db\n", 2, ""},
      {"500\n", 2, ""},
      {"600 x\n", 2, ""},
      {"200 %zz\n", 2, ""},
      {"OK\n", 2, ""},
      {"\n", 2, ""},
      {"200 " + std::string(4092, 'v') + "\n", 2, ""},  // 4097 bytes with LF
      {"200 " + std::string(4091, 'v') + "\n", 0, std::string(4091, 'v')},
  };
  for (const auto& c : cases) {
    INFO(c.wire.substr(0, 20));
    reply = c.wire;
    auto r = t->lookup("k");
    switch (c.want) {
      case 0:
        REQUIRE((r && r->has_value()));
        CHECK(**r == c.want_value);
        break;
      case 1: CHECK((r && !r->has_value())); break;
      case 2:
        REQUIRE((!r && r.error().retry()));
        CHECK(r.error().text.find("timeout") == std::string::npos);
        break;
    }
  }
}

TEST_CASE("tcp table: reconnect once, dead server", "[unit]") {
  int n = 0;
  auto srv = FakeServer::inet(FakeServer::Framing::Line,
                              [&](const std::string&) { return ++n == 2 ? std::string() : "200 v\n"s; });
  auto t = open_ok("tcp:" + srv->host_port());
  CHECK(t->lookup("a")->value() == "v");
  CHECK(t->lookup("b")->value() == "v");  // server dropped request 2; resent on a new connection
  CHECK(srv->requests() == 3);
  CHECK(srv->connections() == 2);

  auto dead = open_ok("tcp:127.0.0.1:" + std::to_string(FakeServer::dead_port()));
  auto r = dead->lookup("k");
  REQUIRE(!r);
  CHECK(r.error().retry());
}

TEST_CASE("tcp table: name parsing", "[unit]") {
  CHECK(open_checked("tcp:[::1]:9200", {}));
  CHECK(open_checked("tcp:localhost:9200", {}));
  for (std::string bad : {"tcp:9200", "tcp:host:", "tcp:::1:9200", "tcp:"}) {
    INFO(bad);
    CHECK(!open_checked(bad, {}));
  }
}
