// test_relay_check.cc - the relay decision and the sender-login decision.
#include <catch2/catch.hpp>

#include "fakes.h"
#include "policyd/relay_check.h"
#include "policyd/sender_login_check.h"

using namespace policyd;
using policyd::test::FakeTable;
using policyd::test::rcpt;
using K = Verdict::Kind;

namespace {

struct RelayFixture {
  std::shared_ptr<FakeTable> domains =
      std::make_shared<FakeTable>(std::map<std::string, std::string>{{"local.test", "local.test"}, {"alias.test", "alias.test"}});
  RelayCheck check{*NetworkList::parse("127.0.0.0/8 [2001:db8::]/32", "p"), domains};

  // answer - "none" for no opinion, else the verdict text; "error: ..." for errors.
  std::string answer(std::map<std::string, std::string> attrs) {
    auto r = check.check(rcpt(std::move(attrs)));
    if (!r) return "error: " + r.error().text;
    if (!r->has_value()) return "none";
    return (*r)->text;
  }
};

}  // namespace

TEST_CASE("relay: local domains pass on, everything else is refused as Postfix words it", "[unit]") {
  RelayFixture f;
  CHECK(f.answer({{"recipient", "user@local.test"}}) == "none");
  CHECK(f.answer({{"recipient", "User@LOCAL.Test."}}) == "none");
  CHECK(f.answer({{"recipient", "user@alias.test"}}) == "none");
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}}) == "554 5.7.1 Relay access denied");
  CHECK(f.answer({{"recipient", "user@sub.local.test"}}) == "554 5.7.1 Relay access denied");
  CHECK(f.answer({{"recipient", "user@[192.0.2.1]"}}) == "554 5.7.1 Relay access denied");
  CHECK(f.answer({{"recipient", "postmaster"}}) == "none");  // Postfix qualifies it and decides itself
  CHECK(f.domains->asked() == std::vector<std::string>{"local.test", "local.test", "alias.test", "elsewhere.test",
                                                       "sub.local.test"});
}

TEST_CASE("relay: every relay trick to a local domain is refused for strangers", "[unit]") {
  const char* tricks[] = {
      "user%elsewhere.test@local.test", "user@elsewhere.test@local.test", "\"user@elsewhere.test\"@local.test",
      "@local.test:user@elsewhere.test", "elsewhere.test!user@local.test", "elsewhere.test!user",
  };
  for (const char* t : tricks) {
    INFO(t);
    RelayFixture f;
    CHECK(f.answer({{"recipient", t}}) == "554 5.7.1 Relay access denied");
    CHECK(f.domains->asked().empty());  // decided without asking the table
  }
}

TEST_CASE("relay: mynetworks and SASL logins may relay; only at RCPT", "[unit]") {
  RelayFixture f;
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}, {"client_address", "127.0.0.2"}}) == "OK");
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}, {"client_address", "2001:db8::25"}}) == "OK");
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}, {"client_address", "::ffff:127.0.0.1"}}) == "OK");
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}, {"client_address", "2001:db9::25"}}) != "OK");
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}, {"sasl_username", "joe@local.test"}}) == "OK");
  CHECK(f.answer({{"recipient", "user%x@local.test"}, {"sasl_username", "joe@local.test"}}) == "OK");
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}, {"protocol_state", "MAIL"}}) == "none");
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}, {"protocol_state", "DATA"}}) == "none");
  CHECK(f.domains->asked() == std::vector<std::string>{"elsewhere.test"});  // only the stranger's
}

TEST_CASE("relay: a table error is returned (DEFER_IF_PERMIT), never OK or a reject", "[unit]") {
  RelayFixture f;
  f.domains->set_fail({"*"});
  CHECK(f.answer({{"recipient", "user@local.test"}}) == "error: fake: database down");
  CHECK(f.answer({{"recipient", "user@elsewhere.test"}}) == "error: fake: database down");
}

TEST_CASE("relay: make_relay_check insists on policyd_local_domains and a valid mynetworks", "[unit]") {
  core::config::Config cfg;
  cfg.add_defaults(std::vector<core::config::ParamSpec>{{"policyd_mynetworks", "127.0.0.0/8"}});
  CheckContext ctx;
  ctx.config = &cfg;
  ctx.open_tables = [](std::string_view) -> core::Result<std::shared_ptr<core::table::Table>> {
    return std::shared_ptr<core::table::Table>(std::make_shared<FakeTable>(std::map<std::string, std::string>{}));
  };
  auto none = make_relay_check(ctx);
  REQUIRE(!none);
  CHECK_THAT(none.error().text, Catch::Contains("policyd_local_domains"));
  cfg.set("policyd_local_domains", "inline:{local.test=1}");
  CHECK(make_relay_check(ctx));
  cfg.set("policyd_mynetworks", "10.0.0.1/8");
  CHECK(!make_relay_check(ctx));
}

namespace {

struct LoginFixture {
  std::shared_ptr<FakeTable> owners = std::make_shared<FakeTable>(std::map<std::string, std::string>{
      {"joe@local.test", "joe@local.test"},
      {"sales@local.test", "joe@local.test,ann@local.test"},
      {"joe@alias.test", "joe@local.test"},
      {"@catch.test", "boss@local.test"},
  });
  SenderLoginCheck check{owners, "+"};
  std::string answer(std::string sender, std::string login, std::string state = "RCPT") {
    auto r = check.check(rcpt({{"sender", sender}, {"sasl_username", login}, {"protocol_state", state}}));
    if (!r) return "error: " + r.error().text;
    if (!r->has_value()) return "none";
    return (*r)->text;
  }
};

}  // namespace

TEST_CASE("sender login: owners may send, others get Postfix's 553", "[unit]") {
  LoginFixture f;
  CHECK(f.answer("joe@local.test", "joe@local.test") == "none");
  CHECK(f.answer("Joe@Local.Test", "JOE@local.test") == "none");          // case-insensitive
  CHECK(f.answer("sales@local.test", "ann@local.test") == "none");        // an alias delivering to her
  CHECK(f.answer("joe@alias.test", "joe@local.test") == "none");          // same local part, alias domain
  CHECK(f.answer("joe+news@local.test", "joe@local.test") == "none");     // extension stripped
  CHECK(f.answer("anyone@catch.test", "boss@local.test") == "none");      // @domain entry
  CHECK(f.answer("joe@local.test", "ann@local.test") ==
        "553 5.7.1 <joe@local.test>: Sender address rejected: not owned by user ann@local.test");
  CHECK(f.answer("stranger@elsewhere.test", "joe@local.test") ==
        "553 5.7.1 <stranger@elsewhere.test>: Sender address rejected: not owned by user joe@local.test");
  CHECK(f.answer("joe@local.test", "joe@local.tes") != "none");            // no prefix matches
  CHECK(f.answer("sales@local.test", "ann") != "none");
}

TEST_CASE("sender login: no login, null sender, other states: no opinion; errors returned", "[unit]") {
  LoginFixture f;
  CHECK(f.answer("joe@local.test", "") == "none");
  CHECK(f.answer("", "ann@local.test") == "none");  // as reject_sender_login_mismatch: null sender skipped
  CHECK(f.answer("joe@local.test", "ann@local.test", "MAIL") == "none");
  CHECK(f.owners->asked().empty());
  f.owners->set_fail({"*"});
  CHECK(f.answer("joe@local.test", "joe@local.test") == "error: fake: database down");
  f.owners->set_fail({"@local.test"});  // a later key form failing still fails the request
  CHECK(f.answer("nobody@local.test", "joe@local.test") == "error: fake: database down");
}

TEST_CASE("sender login: key order is full, unextended, @domain; the first found decides", "[unit]") {
  LoginFixture f;
  f.owners->set_answers({{"joe+x@local.test", "other@local.test"}, {"joe@local.test", "joe@local.test"}});
  CHECK(f.answer("joe+x@local.test", "joe@local.test") != "none");
  CHECK(f.owners->asked() == std::vector<std::string>{"joe+x@local.test"});
}
