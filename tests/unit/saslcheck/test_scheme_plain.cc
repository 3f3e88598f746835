// test_scheme_plain.cc - cleartext stored passwords.
#include <catch2/catch.hpp>

#include "saslcheck/schemes.h"

using saslcheck::Check;
using saslcheck::check_password;
using saslcheck::parse_stored;

TEST_CASE("cleartext bare or prefixed, as configured", "[unit]") {
  CHECK(check_password("secret", parse_stored("{PLAIN}secret", "CRYPT")) == Check::Match);
  CHECK(check_password("secret", parse_stored("{cleartext}secret", "CRYPT")) == Check::Match);
  CHECK(check_password("secret", parse_stored("{CLEAR}secret", "CRYPT")) == Check::Match);
  CHECK(check_password("secret", parse_stored("{PLAIN.B64}c2VjcmV0", "CRYPT")) == Check::Match);
  CHECK(check_password("Secret", parse_stored("{PLAIN}secret", "CRYPT")) == Check::Mismatch);
  CHECK(check_password("secret", parse_stored("secret", "PLAIN")) == Check::Match);
  CHECK(check_password("secre", parse_stored("secret", "PLAIN")) == Check::Mismatch);
  // With the default CRYPT, a bare cleartext value is not a password.
  CHECK(check_password("secret", parse_stored("secret", "CRYPT")) != Check::Match);
  // Empty stored or typed passwords never match.
  CHECK(check_password("", parse_stored("{PLAIN}", "CRYPT")) == Check::Mismatch);
  CHECK(check_password("x", parse_stored("{PLAIN}", "CRYPT")) == Check::Mismatch);
  CHECK(check_password("", parse_stored("", "PLAIN")) == Check::Mismatch);
}

TEST_CASE("unknown schemes are Unsupported, cleartext_of only for PLAIN", "[unit]") {
  CHECK(check_password("x", parse_stored("{PBKDF2}$1$abc", "CRYPT")) == Check::Unsupported);
  CHECK(check_password("x", parse_stored("{ARGON2ID}abc", "CRYPT")) == Check::Unsupported);
  CHECK(saslcheck::cleartext_of(parse_stored("{PLAIN}abc", "CRYPT")) == std::optional<std::string>("abc"));
  CHECK(saslcheck::cleartext_of(parse_stored("abc", "PLAIN")) == std::optional<std::string>("abc"));
  CHECK_FALSE(
      saslcheck::cleartext_of(parse_stored("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "PLAIN")).has_value());
  CHECK_FALSE(saslcheck::make_hash("NOPE", "x").ok());
  CHECK_FALSE(saslcheck::make_hash("PLAIN", "").ok());
}
