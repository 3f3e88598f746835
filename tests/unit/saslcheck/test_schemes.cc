// test_schemes.cc - prefix parsing and dummies of the same scheme.
#include <catch2/catch.hpp>

#include "saslcheck/schemes.h"

using saslcheck::parse_stored;

TEST_CASE("parse_stored dispatch", "[unit]") {
  struct Case {
    const char* stored;
    const char* def;
    const char* want_scheme;
    const char* want_payload;
  };
  const Case cases[] = {
      {"{SHA512-CRYPT}$6$x$y", "CRYPT", "SHA512-CRYPT", "$6$x$y"},
      {"{md5raw}abc", "CRYPT", "MD5RAW", "abc"},
      {"$1$a$b", "PLAIN", "CRYPT", "$1$a$b"},
      {"plain{text}", "PLAIN", "PLAIN", "plain{text}"},
      {"{not a scheme}x", "PLAIN", "PLAIN", "{not a scheme}x"},
      {"{}x", "plain-md5", "PLAIN-MD5", "{}x"},
  };
  for (const auto& c : cases) {
    INFO(c.stored);
    auto s = parse_stored(c.stored, c.def);
    CHECK(s.scheme == c.want_scheme);
    CHECK(s.payload == c.want_payload);
  }
}

TEST_CASE("dummy_like keeps the scheme and cost", "[unit]") {
  auto s = parse_stored(
      "$6$rounds=10000$saltsalt$ZqOTO2O04D/DgwZlm.rZTgWxvBaIf4LQsZKtXFEu9UHJ4CvgmdLAGxKUzJ0mPO98OevETdY6oK/"
      "Oac6j2Axxq/",
      "CRYPT");
  auto d = saslcheck::dummy_like(s);
  CHECK(d.payload.starts_with("$6$rounds=10000$saltsalt$"));
  CHECK(d.payload != s.payload);
  auto b = saslcheck::dummy_like(
      parse_stored("$2y$10$abcdefghijklmnopqrstuu5Lo0g67CiD3M4RpN1BmBb4Crp5w7dbK", "CRYPT"));
  CHECK(b.payload.starts_with("$2y$10$"));
  auto p =
      saslcheck::dummy_like(parse_stored("{SSHA512}9ZxHVj4YomwqqFiYKcIjExMLx2ZblYfXRGc4KMqbgvHq2+HOgwiTIi+eO/"
                                         "Uam/8D0beDAkGpvx14+UFlfBskLnNhbHRzYWx0",
                                         "CRYPT"));
  CHECK(p.scheme == "SSHA512");
  CHECK(saslcheck::check_password("password", p) == saslcheck::Check::Mismatch);
}
