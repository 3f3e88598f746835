// test_cidr.cc - policyd_mynetworks parsing and matching: IPv4, IPv6, mapped, bad input.
#include <catch2/catch.hpp>

#include "policyd/cidr.h"

using policyd::NetworkList;

TEST_CASE("cidr: matching IPv4, IPv6 and mapped clients", "[unit]") {
  auto nets = NetworkList::parse("127.0.0.0/8, 192.0.2.128/25 [2001:db8::]/32\n 198.51.100.7 ::1 [fe80::]/10, 0.0.0.0/0", "p");
  REQUIRE(nets);
  struct Case {
    const char* addr;
    bool want;
  };
  Case cases[] = {
      {"127.0.0.1", true},         {"127.255.255.255", true}, {"128.0.0.1", true},  // 0/0 covers all IPv4
      {"192.0.2.128", true},       {"192.0.2.255", true},     {"198.51.100.7", true},
      {"2001:db8::1", true},       {"2001:db8:ffff::", true}, {"2001:db9::1", false},
      {"::1", true},               {"::2", false},            {"fe80::1234", true},
      {"febf::1", true},           {"fec0::1", false},
      {"::ffff:127.0.0.1", true},  // IPv4-mapped: matched as IPv4
      {"", false},                 {"garbage", false},        {"fe80::1%eth0", false},
      {"[::1]", false},            {"127.0.0.1/8", false},    {"1.2.3.4.5", false},
  };
  for (const auto& c : cases) {
    INFO(c.addr);
    CHECK(nets->contains(c.addr) == c.want);
  }
}

TEST_CASE("cidr: prefix boundaries", "[unit]") {
  auto nets = NetworkList::parse("192.0.2.128/25 2001:db8:0:100::/56", "p");
  REQUIRE(nets);
  CHECK(!nets->contains("192.0.2.127"));
  CHECK(nets->contains("192.0.2.128"));
  CHECK(!nets->contains("193.0.2.128"));
  CHECK(nets->contains("2001:db8:0:1ff::1"));
  CHECK(!nets->contains("2001:db8:0:200::1"));
  CHECK(!nets->contains("2001:db8:0:ff::1"));
}

TEST_CASE("cidr: IPv6 networks do not cover IPv4 clients and vice versa", "[unit]") {
  auto v6all = NetworkList::parse("::/0", "p");
  REQUIRE(v6all);
  CHECK(v6all->contains("2001:db8::1"));
  CHECK(!v6all->contains("127.0.0.1"));
  CHECK(!v6all->contains("::ffff:127.0.0.1"));
  auto v4all = NetworkList::parse("0.0.0.0/0", "p");
  REQUIRE(v4all);
  CHECK(v4all->contains("203.0.113.9"));
  CHECK(!v4all->contains("2001:db8::1"));
  CHECK(!v4all->contains("::"));
  auto mapped = NetworkList::parse("[::ffff:10.0.0.0]/104", "p");
  REQUIRE(mapped);
  CHECK(mapped->contains("10.1.2.3"));
  CHECK(!mapped->contains("11.1.2.3"));
  auto empty = NetworkList::parse("", "p");
  REQUIRE(empty);
  CHECK(empty->size() == 0);
  CHECK(!empty->contains("127.0.0.1"));
}

TEST_CASE("cidr: bad input is a startup error naming the item", "[unit]") {
  const char* bad[] = {
      "10.0.0.1/8",       // host bits set
      "10.0.0.0/33",      "10.0.0.0/",   "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0/8",
      "256.0.0.0/8",      "::1/129",     "[::1",        "::1]/128",    "[10.0.0.0/8]",
      "/etc/postfix/net", "hash:/etc/postfix/net",      "!10.0.0.0/8", "example.com",
      "2001:db8::1/32",   // host bits set
      "[2001:db8::]/032x",
  };
  for (const char* item : bad) {
    INFO(item);
    auto r = NetworkList::parse(std::string("127.0.0.0/8 ") + item, "policyd_mynetworks");
    REQUIRE(!r);
    CHECK_THAT(r.error().text, Catch::Contains("policyd_mynetworks"));
    CHECK_THAT(r.error().text, Catch::Contains(item));
  }
}
