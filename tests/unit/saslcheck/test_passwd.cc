// test_passwd.cc - the PASSWD decision (accounts.h) against a fake store:
// off by default, old password checked before and inside the transaction,
// the new value hashed in the configured scheme, database errors as
// TempFail with nothing changed, the cached row forgotten.
#include <catch2/catch.hpp>
#include <map>

#include "saslcheck/accounts.h"
#include "saslcheck/schemes.h"

using saslcheck::Answer;
using saslcheck::Outcome;

namespace {

// FakeStore - mailbox rows in a map; fails before or after the check when told.
class FakeStore final : public saslcheck::AccountStore {
 public:
  std::map<std::string, std::string> rows;
  bool fail_before = false;  // e.g. cannot connect
  bool fail_update = false;  // the UPDATE fails: nothing may change
  int calls = 0;
  core::Result<bool> change_password(const std::string& login, const OldCheck& old_matches,
                                     const std::string& new_value) override {
    ++calls;
    if (fail_before) return core::retry_error("cannot connect");
    auto it = rows.find(login);
    if (it == rows.end() || !old_matches(it->second)) return false;
    if (fail_update) return core::retry_error("updating the password: Lock wait timeout exceeded");
    it->second = new_value;
    return true;
  }
  core::Result<std::unique_ptr<saslcheck::AccountCursor>> list() override {
    return core::retry_error("not used");
  }
};

// RowsTable - the password map, reading the fake store's rows.
class RowsTable final : public core::table::Table {
 public:
  explicit RowsTable(FakeStore* s) : s_(s) {}
  core::table::LookupResult lookup(std::string_view key) override {
    auto it = s_->rows.find(std::string(key));
    if (it == s_->rows.end()) return core::table::not_found();
    return core::table::found(it->second);
  }

 private:
  FakeStore* s_;
};

struct Fixture {
  FakeStore store;
  std::unique_ptr<saslcheck::Verifier> v;
  saslcheck::PasswdOptions on{true, "SHA512-CRYPT"};
  explicit Fixture(std::chrono::milliseconds ttl = std::chrono::milliseconds(0)) {
    store.rows["joe@example.com"] = "$1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/";  // "password"
    saslcheck::VerifierOptions o;
    o.default_domain = "example.com";
    o.cache_ttl = ttl;
    v = std::make_unique<saslcheck::Verifier>(o, std::make_unique<RowsTable>(&store), nullptr);
  }
  Answer passwd(std::string_view user, std::string_view old_pw, std::string_view new_pw,
                const saslcheck::PasswdOptions& o) {
    return saslcheck::change_password(*v, &store, o, user, old_pw, new_pw);
  }
};

}  // namespace

TEST_CASE("PASSWD is off by default and then touches nothing", "[unit]") {
  Fixture f;
  saslcheck::PasswdOptions defaults;
  CHECK_FALSE(defaults.enabled);
  auto a = f.passwd("joe", "password", "newpass", defaults);
  CHECK(a.outcome == Outcome::Fail);
  CHECK(a.login == "joe@example.com");
  CHECK(a.why == "password change disabled (saslcheck_passwd_enable)");
  CHECK(f.store.calls == 0);
  CHECK(saslcheck::change_password(*f.v, nullptr, defaults, "joe", "password", "x").outcome == Outcome::Fail);
}

TEST_CASE("PASSWD with the right old password stores the new one in the scheme", "[unit]") {
  Fixture f;
  auto a = f.passwd("Joe", "password", "n3w-Secret", f.on);
  REQUIRE(a.outcome == Outcome::Ok);
  CHECK(a.login == "joe@example.com");
  CHECK(a.fields.empty());
  const std::string& stored = f.store.rows["joe@example.com"];
  CHECK(stored.rfind("{SHA512-CRYPT}$6$", 0) == 0);
  CHECK(saslcheck::check_password("n3w-Secret", saslcheck::parse_stored(stored, "CRYPT")) ==
        saslcheck::Check::Match);
  CHECK(f.v->check_login("joe", "n3w-Secret").outcome == Outcome::Ok);
  CHECK(f.v->check_login("joe", "password").outcome == Outcome::Fail);
}

TEST_CASE("PASSWD refusals leave the row alone", "[unit]") {
  Fixture f;
  const std::string before = f.store.rows["joe@example.com"];
  struct {
    const char *user, *old_pw, *new_pw, *want_why;
  } cases[] = {
      {"joe", "wrong", "newpass", "wrong password"},
      {"nobody", "password", "newpass", "unknown user"},
      {"joe", "", "newpass", "empty password"},
      {"joe", "password", "", "empty new password"},
  };
  for (const auto& c : cases) {
    INFO(c.user << " " << c.want_why);
    auto a = f.passwd(c.user, c.old_pw, c.new_pw, f.on);
    CHECK(a.outcome == Outcome::Fail);
    CHECK(a.why == c.want_why);
  }
  CHECK(f.store.calls == 0);  // refused before the database was touched
  CHECK(f.store.rows["joe@example.com"] == before);
}

TEST_CASE("PASSWD database errors are TempFail and change nothing", "[unit]") {
  Fixture f;
  const std::string before = f.store.rows["joe@example.com"];
  f.store.fail_before = true;
  auto a = f.passwd("joe", "password", "newpass", f.on);
  CHECK(a.outcome == Outcome::TempFail);
  CHECK(a.why == "cannot connect");
  f.store.fail_before = false;
  f.store.fail_update = true;
  a = f.passwd("joe", "password", "newpass", f.on);
  CHECK(a.outcome == Outcome::TempFail);
  CHECK(a.why.find("Lock wait timeout") != std::string::npos);
  CHECK(a.why.find("newpass") == std::string::npos);
  CHECK(f.store.rows["joe@example.com"] == before);
}

TEST_CASE("PASSWD rechecks the old password on the locked row, not a cached one", "[unit]") {
  Fixture f(std::chrono::milliseconds(60000));
  REQUIRE(f.v->check_login("joe", "password").outcome == Outcome::Ok);  // row now cached
  // Changed elsewhere (Postfix Admin) while the cache still holds "password".
  f.store.rows["joe@example.com"] = "{PLAIN}changed-elsewhere";
  auto a = f.passwd("joe", "password", "newpass", f.on);
  CHECK(a.outcome == Outcome::Fail);
  CHECK(a.why == "old password does not match the database row");
  CHECK(f.store.rows["joe@example.com"] == "{PLAIN}changed-elsewhere");
  // The stale cached row was dropped: the current password works at once.
  CHECK(f.v->check_login("joe", "changed-elsewhere").outcome == Outcome::Ok);
}

TEST_CASE("PASSWD drops the cached row after a change", "[unit]") {
  Fixture f(std::chrono::milliseconds(60000));
  REQUIRE(f.v->check_login("joe", "password").outcome == Outcome::Ok);
  REQUIRE(f.passwd("joe", "password", "newpass", f.on).outcome == Outcome::Ok);
  CHECK(f.v->check_login("joe", "newpass").outcome == Outcome::Ok);
  CHECK(f.v->check_login("joe", "password").outcome == Outcome::Fail);
}
