// test_host.cc - "hosts" items parsed as Postfix's dict_mysql.c host_init() does.
#include <catch2/catch.hpp>

#include "core/mysql/host.h"

using core::mysql::Host;
using core::mysql::parse_host;
using core::mysql::parse_hosts;

TEST_CASE("hosts items: unix:, inet:, bare, ports and localhost", "[unit]") {
  struct Case {
    const char* in;
    Host::Kind want_kind;
    const char* want_name;
    unsigned want_port;
    const char* want_text;
  };
  const Case cases[] = {
      {"unix:/run/mysqld/mysqld.sock", Host::Kind::Unix, "/run/mysqld/mysqld.sock", 0,
       "unix:/run/mysqld/mysqld.sock"},
      {"inet:127.0.0.1:3307", Host::Kind::Inet, "127.0.0.1", 3307, "inet:127.0.0.1:3307"},
      {"inet:db.example", Host::Kind::Inet, "db.example", 0, "inet:db.example"},
      {"db2.example:3310", Host::Kind::Inet, "db2.example", 3310, "inet:db2.example:3310"},
      {"10.0.0.5", Host::Kind::Inet, "10.0.0.5", 0, "inet:10.0.0.5"},
      {"db:mysql", Host::Kind::Inet, "db", 3306, "inet:db:3306"},  // service name
      {"localhost", Host::Kind::Unix, "", 0, "unix:(default socket)"},
      {"LocalHost", Host::Kind::Unix, "", 0, "unix:(default socket)"},
      {"inet:localhost:3306", Host::Kind::Unix, "", 0, "unix:(default socket)"},
      {"localhost.example", Host::Kind::Inet, "localhost.example", 0, "inet:localhost.example"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto h = parse_host(c.in);
    REQUIRE(h);
    CHECK(h->kind == c.want_kind);
    CHECK(h->name == c.want_name);
    CHECK(h->port == c.want_port);
    CHECK(h->text == c.want_text);
  }
}

TEST_CASE("hosts items: bad ports and empty names are config errors", "[unit]") {
  for (const char* bad :
       {"inet:db:0", "inet:db:99999", "db:nosuchservice_xyz", "unix:", "inet::3306", ":3306"}) {
    INFO(bad);
    auto h = parse_host(bad);
    REQUIRE(!h);
    CHECK(h.error().kind == core::ErrorKind::Config);
  }
}

TEST_CASE("hosts list: commas and white space; empty means localhost", "[unit]") {
  auto l = parse_hosts("unix:/a.sock, inet:127.0.0.1:1  db3");
  REQUIRE(l);
  REQUIRE(l->size() == 3);
  CHECK((*l)[0].unix_socket());
  CHECK((*l)[1].port == 1);
  CHECK((*l)[2].name == "db3");
  auto d = parse_hosts("");
  REQUIRE(d);
  REQUIRE(d->size() == 1);
  CHECK((*d)[0].unix_socket());
  CHECK((*d)[0].name.empty());
  CHECK(!parse_hosts("a, inet:b:x0"));
}
