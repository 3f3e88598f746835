// test_scheme_crypt.cc - crypt(3) schemes against vectors from openssl
// passwd, mkpasswd/libxcrypt and doveadm pw (password-schemes.md).
#include <catch2/catch.hpp>

#include "saslcheck/schemes.h"

using saslcheck::Check;
using saslcheck::check_password;
using saslcheck::parse_stored;

namespace {

struct Vector {
  const char* stored;
  const char* password;
};

// Every vector is checked with its password (Match) and a wrong one (Mismatch).
const Vector kVectors[] = {
    // openssl passwd -1
    {"$1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/", "password"},
    {"$1$9473baa1$z327FHITQMGF815UKpDc6.", "Tr0ub4dor&3"},
    {"$1$saltsalt$BsXyQbZiQujHkdhwPwdol.", "correct horse battery staple"},
    {"$1$saltsalt$VReRfkQ8Hs1aayf/oxMkG/", "p\xc3\xa4sswörd"},
    {"$1$c9809462$T8xK03KgpUmN2Rdij/LpU.", "password"},
    {"$1$$I2o9Z7NcvQAKp7wyCTlia0", "password"},
    {"{MD5-CRYPT}$1$A3FKlQ/b$rEg8.lTJHfCLMUg2yOsyN1", "secret"},
    {"{MD5}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "password"},
    // openssl passwd -6 / -5
    {"$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
     "password"},
    {"$6$rounds=10000$saltsalt$ZqOTO2O04D/DgwZlm.rZTgWxvBaIf4LQsZKtXFEu9UHJ4CvgmdLAGxKUzJ0mPO98OevETdY6oK/"
     "Oac6j2Axxq/",
     "password"},
    {"$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.", "password"},
    {"{SHA256-CRYPT}$5$saltsalt$lenpbIIfFTOesMocJVNZvortN.KXU4D2QzPbnD5iNU3", "Tr0ub4dor&3"},
    // doveadm pw
    {"{SHA512-CRYPT}$6$ATFhD2x3GxBdwir/"
     "$1aoRl6f.UHLMPH5yMVa8XMesJKqAKsUhBns.VDbujCCecF0DjUBuUdxdvaOjp48v.jsRHtXL3F/"
     "FXMdWCOEbq/",
     "password"},
    {"{BLF-CRYPT}$2y$05$CW/nhp4Y.d45PkfY5xSIPuXzNr.ZoxqDt01wsRBvP6/Xs0vzpqGwi", "password"},
    // libxcrypt bcrypt, yescrypt, DES
    {"$2y$10$abcdefghijklmnopqrstuu5Lo0g67CiD3M4RpN1BmBb4Crp5w7dbK", "password"},
    {"$2b$05$ABCDEFGHIJKLMNOPQRSTUuaH6yYhAMufXM.u8UQpkjeRYIqBVQnLC", "password"},
    {"$y$j9T$.2U.1EE/4Q.07ck0AoU1D.$oTWzmC2x.N26ebvBUewT97nMFz0Ppuhjrf1cD6RWPLA", "password"},
    {"{CRYPT}abJnggxhB/yWI", "password"},
    {"{crypt}9aMglX4Bvvhfw", "password"},
    // Postfix Admin php_crypt and sha512.b64
    {"{SHA512-CRYPT}$6$rounds=50000$q7Wz.Kp2/Xr9Lm4N$wGcRgz0khLxtaUYgGN5e5b3fuK/"
     "7gLPM5BjWOjHCgmvLPpHdaAuE6.8y954cxZ4mDjaKpe/"
     "Cn.LuXVsq/Joma0",
     "password"},
    {"{SHA512-CRYPT.B64}"
     "JDYkQWIxQ2QyRWYzR2g0SWo1SyRtZkhFa0JrZS95LlRLQmpBOW9IalJHRzVUdzU5SEZ1OVJaYUswL1R0eks1elI0ZkpXVFczaG1ObmF"
     "hNjBzLjI4RnU3Rm"
     "lFczRqRTMzeGJsUU12U1hhLw==",
     "password"},
};

}  // namespace

TEST_CASE("crypt schemes match independent vectors", "[unit]") {
  for (const auto& v : kVectors) {
    INFO(v.stored);
    auto s = parse_stored(v.stored, "CRYPT");
    CHECK(check_password(v.password, s) == Check::Match);
    CHECK(check_password("x" + std::string(v.password), s) == Check::Mismatch);
    CHECK(check_password("", s) == Check::Mismatch);
  }
}

TEST_CASE("bare DES is crypt by default, locked values never match", "[unit]") {
  CHECK(check_password("password", parse_stored("abJnggxhB/yWI", "CRYPT")) == Check::Match);
  CHECK(check_password("Tr0ub4dor&3", parse_stored("abWL7Sj501Z46", "CRYPT")) == Check::Match);
  CHECK(check_password("password", parse_stored("!$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "CRYPT")) !=
        Check::Match);
  CHECK(check_password("password", parse_stored("*", "CRYPT")) != Check::Match);
  CHECK(check_password("pass\0word", parse_stored("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "CRYPT")) !=
        Check::Match);
}

TEST_CASE("hash_crypt makes values that check and use fresh salts", "[unit]") {
  for (const char* scheme :
       {"MD5-CRYPT", "SHA256-CRYPT", "SHA512-CRYPT", "BLF-CRYPT", "CRYPT", "DES-CRYPT", "SHA512-CRYPT.B64"}) {
    INFO(scheme);
    auto a = saslcheck::make_hash(scheme, "pw one");
    auto b = saslcheck::make_hash(scheme, "pw one");
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a != *b);
    CHECK(a->starts_with(std::string("{") + scheme + "}"));
    CHECK(check_password("pw one", parse_stored(*a, "PLAIN")) == Check::Match);
    CHECK(check_password("pw two", parse_stored(*a, "PLAIN")) == Check::Mismatch);
  }
}
