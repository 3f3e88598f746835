// test_scheme_digest.cc - digest schemes against md5sum/openssl dgst and
// doveadm pw vectors (password-schemes.md §3-4).
#include <catch2/catch.hpp>

#include "saslcheck/schemes.h"

using saslcheck::Check;
using saslcheck::check_password;
using saslcheck::parse_stored;

namespace {

struct Vector {
  const char* stored;
  const char* password;
  const char* default_scheme;
};

const Vector kVectors[] = {
    {"5f4dcc3b5aa765d61d8327deb882cf99", "password", "PLAIN-MD5"},
    {"{PLAIN-MD5}4ece57a61323b52ccffdbef021956754", "Tr0ub4dor&3", "CRYPT"},
    {"{md5raw}9cc2ae8a1ba7a93da39b46fc1019c481", "correct horse battery staple", "CRYPT"},
    {"{md5}X03MO1qnZdYdgyfeuILPmQ==", "password", "CRYPT"},
    {"{LDAP-MD5}X03MO1qnZdYdgyfeuILPmQ==", "password", "CRYPT"},
    {"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "password", "CRYPT"},
    {"{SHA}h0Vy56WuaklGamrFeLmK26eMaqY=", "Tr0ub4dor&3", "CRYPT"},
    {"{SHA256}XohImNooBHFR0OVvjcYpJ3NgPQ1qq73WKhHvch0VQtg=", "password", "CRYPT"},
    {"{SHA256}SEhuFRToQjRv9AWx5F9EBZroJhnyMG+Z0JQNyzhukfc=", "Tr0ub4dor&3", "CRYPT"},
    {"{SHA512}sQnzu7wkTrgkQZF+0G1hi5AI3Qmzvv0bXgc5THBqi7mAsdd4Xll27ASbRt9fEyavWi6m0QP9B8lThf+rDKy8hg==",
     "password", "CRYPT"},
    {"{SSHA512}9ZxHVj4YomwqqFiYKcIjExMLx2ZblYfXRGc4KMqbgvHq2+HOgwiTIi+eO/Uam/"
     "8D0beDAkGpvx14+UFlfBskLnNhbHRzYWx0",
     "password", "CRYPT"},
    {"{SSHA512}Nba3v6CXeIpi9sOduvMdiYev9ew13XRVpzfctkSMELyY9Gw2KP65wLUfZu7L+7HBDfN1+ykKvBRV/"
     "obscmG1FXNhbHRzYWx0",
     "Tr0ub4dor&3", "CRYPT"},
    {"{SSHA512}UweAzUpvjvE5jz6nWBj9q0BiWPv/iScwpbX/yGA6X/"
     "AMM4Vz4l5BHV0nnau4mHhhKbbncQtK3bqI9cz8WqqeP3NhbHRzYWx0",
     "correct horse battery staple", "CRYPT"},
    {"{SSHA256}DIzeh0gCRMTRu9dAH3C3rr7fWkRT0Bp2ZdtRqvTX3XJzYWx0c2FsdA==", "password", "CRYPT"},
    {"{SSHA256}qtqMejIPPAZYzUX47mVaUiDSARnHyGd750Cx1MBsAdVzYWx0c2FsdA==", "Tr0ub4dor&3", "CRYPT"},
    {"{SSHA}yrht1iYXEIkejLVu42JWkadd80RzYWx0c2FsdA==", "password", "CRYPT"},
    {"{SSHA}46BnfOtjjVkV2IM1YrlQPStNxk5zYWx0c2FsdA==", "correct horse battery staple", "CRYPT"},
    {"{SMD5}/b3zQZ//mL2wJBOQ9iqds3NhbHRzYWx0", "password", "CRYPT"},
    {"{SMD5}H8wm6tmWih2ciToDAPGsYnNhbHRzYWx0", "Tr0ub4dor&3", "CRYPT"},
};

}  // namespace

TEST_CASE("digest schemes match independent vectors", "[unit]") {
  for (const auto& v : kVectors) {
    INFO(v.stored);
    auto s = parse_stored(v.stored, v.default_scheme);
    CHECK(check_password(v.password, s) == Check::Match);
    CHECK(check_password(std::string(v.password) + " ", s) == Check::Mismatch);
    CHECK(check_password("", s) == Check::Mismatch);
  }
}

TEST_CASE("digest schemes refuse malformed stored values", "[unit]") {
  CHECK(check_password("password", parse_stored("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g", "CRYPT")) ==
        Check::Mismatch);
  CHECK(check_password("password", parse_stored("{SHA}!!!!", "CRYPT")) == Check::Mismatch);
  CHECK(check_password("password", parse_stored("{SSHA512}c2FsdA==", "CRYPT")) == Check::Mismatch);
  CHECK(check_password("password", parse_stored("{PLAIN-MD5}5f4d", "CRYPT")) == Check::Mismatch);
}

TEST_CASE("hash_digest round trip", "[unit]") {
  for (const char* scheme : {"SSHA512", "SSHA256", "SSHA", "SMD5", "SHA512", "SHA256", "SHA", "PLAIN-MD5"}) {
    INFO(scheme);
    auto h = saslcheck::make_hash(scheme, "p4ss");
    REQUIRE(h.ok());
    CHECK(check_password("p4ss", parse_stored(*h, "CRYPT")) == Check::Match);
    CHECK(check_password("p4sS", parse_stored(*h, "CRYPT")) == Check::Mismatch);
  }
}
