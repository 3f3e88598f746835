// test_verifier.cc - logins against a fake password table: canonical
// names, default domain, attributes, table errors as TempFail, CRAM-MD5,
// and unknown users costing the same hash as known ones.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "saslcheck/verifier.h"

using saslcheck::Outcome;
using saslcheck::Verifier;

namespace {

// FakeTable - answers from a map, or fails every lookup when down.
class FakeTable final : public core::table::Table {
 public:
  explicit FakeTable(std::map<std::string, std::string> rows) : rows_(std::move(rows)) {}
  core::table::LookupResult lookup(std::string_view key) override {
    keys.emplace_back(key);
    if (down) return core::retry_error("mysql: host down");
    auto it = rows_.find(std::string(key));
    if (it == rows_.end()) return core::table::not_found();
    return core::table::found(it->second);
  }
  bool down = false;
  std::vector<std::string> keys;

 private:
  std::map<std::string, std::string> rows_;
};

const char* kSlow =
    "$6$rounds=50000$q7Wz.Kp2/Xr9Lm4N$wGcRgz0khLxtaUYgGN5e5b3fuK/7gLPM5BjWOjHCgmvLPpHdaAuE6.8y954cxZ4mDjaKpe/"
    "Cn.LuXVsq/Joma0";

struct Fixture {
  FakeTable* table;
  std::unique_ptr<Verifier> v;
  Fixture() {
    auto t = std::make_unique<FakeTable>(std::map<std::string, std::string>{
        {"joe@example.com", "$1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/"},
        {"ann@example.com",
         "{PLAIN}tanstaaftanstaaf\tMAILDIR=example.com/ann/\tQUOTA=1024S\tNAME=Ann Smith, Sales\tPASSWD=x"},
        {"slow@example.com", kSlow},
    });
    table = t.get();
    saslcheck::VerifierOptions o;
    o.default_domain = "example.com";
    v = std::make_unique<Verifier>(o, std::move(t), nullptr);
  }
};

std::string field(const saslcheck::Answer& a, const std::string& k) {
  for (const auto& [key, v] : a.fields)
    if (key == k) return v;
  return "(none)";
}

}  // namespace

TEST_CASE("login outcomes", "[unit]") {
  Fixture f;
  auto ok = f.v->check_login("Joe", "password");
  CHECK(ok.outcome == Outcome::Ok);
  CHECK(ok.login == "joe@example.com");
  CHECK(f.table->keys.back() == "joe@example.com");
  CHECK(field(ok, "UID") == "5000");
  CHECK(field(ok, "ADDRESS") == "joe@example.com");
  CHECK(f.v->check_login("joe@example.com", "Password").outcome == Outcome::Fail);
  CHECK(f.v->check_login("joe@example.com", "").outcome == Outcome::Fail);
  auto unknown = f.v->check_login("nobody@example.com", "password");
  CHECK(unknown.outcome == Outcome::Fail);
  CHECK(unknown.why == "unknown user");
  size_t lookups = f.table->keys.size();
  CHECK(f.v->check_login("bad\nname", "x").outcome == Outcome::Fail);
  CHECK(f.v->check_login(std::string(400, 'a'), "x").outcome == Outcome::Fail);
  CHECK(f.table->keys.size() == lookups);  // no lookup for unusable names
}

TEST_CASE("attributes from the row; PASSWD never copied", "[unit]") {
  Fixture f;
  auto a = f.v->check_login("ann@example.com", "tanstaaftanstaaf");
  REQUIRE(a.outcome == Outcome::Ok);
  CHECK(field(a, "MAILDIR") == "/var/vmail/example.com/ann/");
  CHECK(field(a, "QUOTA") == "1024S");
  CHECK(field(a, "NAME") == "Ann Smith");
  CHECK(field(a, "PASSWD") == "(none)");
  auto pre = f.v->lookup("ann");
  CHECK(pre.outcome == Outcome::Ok);
  CHECK(field(pre, "HOME") == "/var/vmail");
  CHECK(f.v->lookup("nobody").outcome == Outcome::Fail);
}

TEST_CASE("table errors are temporary failures", "[unit]") {
  Fixture f;
  f.table->down = true;
  CHECK(f.v->check_login("joe", "password").outcome == Outcome::TempFail);
  CHECK(f.v->lookup("joe").outcome == Outcome::TempFail);
  CHECK(f.v->check_cram("ann", "<1@x>", "00").outcome == Outcome::TempFail);
}

TEST_CASE("CRAM-MD5 RFC 2195 example, only with cleartext", "[unit]") {
  Fixture f;
  const char* ch = "<1896.697170952@postoffice.reston.mci.net>";
  CHECK(saslcheck::hmac_md5_hex("tanstaaftanstaaf", ch) == "b913a602c7eda7a495b4e6e7334d3890");
  CHECK(f.v->check_cram("ann", ch, "B913A602C7EDA7A495B4E6E7334D3890").outcome == Outcome::Ok);
  CHECK(f.v->check_cram("ann", ch, "b913a602c7eda7a495b4e6e7334d3891").outcome == Outcome::Fail);
  CHECK(f.v->check_cram("joe", ch, saslcheck::hmac_md5_hex("password", ch)).outcome == Outcome::Fail);
  CHECK(f.v->check_cram("nobody", ch, "b913a602c7eda7a495b4e6e7334d3890").outcome == Outcome::Fail);
}

TEST_CASE("unknown users cost a hash of the scheme last seen", "[unit]") {
  Fixture f;
  auto time = [](auto fn) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  (void)f.v->check_login("slow", "wrong");  // teaches the dummy the 50000-round scheme
  double known = 1e9, unknown = 1e9;
  for (int i = 0; i < 3; ++i) {
    known = std::min(known, time([&] { (void)f.v->check_login("slow", "wrong"); }));
    unknown = std::min(unknown, time([&] { (void)f.v->check_login("ghost", "wrong"); }));
  }
  INFO("known " << known << " unknown " << unknown);
  CHECK(known > 0.005);  // 50000 rounds of SHA-512 are not free
  CHECK(unknown > known * 0.5);
  CHECK(unknown < known * 2);
}

TEST_CASE("cache: found rows reused within the TTL, errors and misses never cached", "[unit]") {
  auto t = std::make_unique<FakeTable>(std::map<std::string, std::string>{{"joe@example.com", "{PLAIN}pw"}});
  FakeTable* table = t.get();
  saslcheck::VerifierOptions o;
  o.cache_ttl = std::chrono::milliseconds(200);
  Verifier v(o, std::move(t), nullptr);
  CHECK(v.check_login("joe@example.com", "pw").outcome == Outcome::Ok);
  CHECK(v.check_login("joe@example.com", "pw").outcome == Outcome::Ok);
  CHECK(table->keys.size() == 1);
  CHECK(v.check_login("ann@example.com", "pw").outcome == Outcome::Fail);
  CHECK(v.check_login("ann@example.com", "pw").outcome == Outcome::Fail);
  CHECK(table->keys.size() == 3);  // misses go to the table every time
  table->down = true;
  CHECK(v.check_login("joe@example.com", "pw").outcome == Outcome::Ok);  // within the TTL
  CHECK(v.check_login("ann@example.com", "pw").outcome == Outcome::TempFail);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  CHECK(v.check_login("joe@example.com", "pw").outcome == Outcome::TempFail);  // expired: asks again
}
