// test_address.cc - address classification (every relay trick) and sender-login keys.
#include <catch2/catch.hpp>

#include "policyd/address.h"

using policyd::login_keys;
using policyd::parse_address;
using Kind = policyd::ParsedAddress::Kind;

TEST_CASE("address: relay tricks are routed, never plain", "[unit]") {
  const char* tricks[] = {
      "user%host@local.test",      // percent hack
      "user@host@local.test",      // double @ (internal form of "user@host"@local.test)
      "\"user@host\"@local.test",  // quoted local part hiding an @
      "\"user%host\"@local.test",  // quoted percent hack
      "@local.test:user@host",     // source route
      "@a.test,@local.test:user@host",
      "host!user@local.test",      // bang path
      "host!user",                 // bare bang path
      "user%host",                 // bare percent hack
      "user@host%local.test@local.test",
      "a:b@local.test",
      "\"user\"@local.test",       // quotes are refused outright
  };
  for (const char* t : tricks) {
    INFO(t);
    CHECK(parse_address(t).kind == Kind::kRouted);
  }
}

TEST_CASE("address: plain, unqualified and bad domains", "[unit]") {
  struct Case {
    const char* in;
    Kind want;
    const char* domain;
  };
  Case cases[] = {
      {"user@local.test", Kind::kPlain, "local.test"},
      {"User.Name+tag@Local.TEST", Kind::kPlain, "local.test"},
      {"u@local.test.", Kind::kPlain, "local.test"},
      {"u@xn--bcher-kva.example", Kind::kPlain, "xn--bcher-kva.example"},
      {"u@b\xc3\xbc" "cher.example", Kind::kPlain, "b\xc3\xbc" "cher.example"},
      {"postmaster", Kind::kUnqualified, ""},
      {"", Kind::kBadDomain, ""},
      {"u@", Kind::kBadDomain, ""},
      {"u@.", Kind::kBadDomain, ""},
      {"u@[192.0.2.1]", Kind::kBadDomain, ""},
      {"u@[IPv6:::1]", Kind::kBadDomain, ""},
      {"u@local..test", Kind::kBadDomain, ""},
      {"u@.local.test", Kind::kBadDomain, ""},
      {"u@local test", Kind::kBadDomain, ""},
      {"u@local/test", Kind::kBadDomain, ""},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto p = parse_address(c.in);
    CHECK(p.kind == c.want);
    CHECK(p.domain == c.domain);
  }
}

TEST_CASE("address: sender-login key forms", "[unit]") {
  using V = std::vector<std::string>;
  CHECK(login_keys("Joe@Example.com", "+") == V{"joe@example.com", "@example.com"});
  CHECK(login_keys("joe+tag@example.com", "+") == V{"joe+tag@example.com", "joe@example.com", "@example.com"});
  CHECK(login_keys("joe+tag@example.com", "") == V{"joe+tag@example.com", "@example.com"});
  CHECK(login_keys("joe-a+b@example.com", "+-") == V{"joe-a+b@example.com", "joe@example.com", "@example.com"});
  CHECK(login_keys("+tag@example.com", "+") == V{"+tag@example.com", "@example.com"});
  CHECK(login_keys("joe", "+") == V{"joe"});
  CHECK(login_keys("@example.com", "+") == V{"@example.com"});
}
