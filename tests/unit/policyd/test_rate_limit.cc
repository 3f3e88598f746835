// test_rate_limit.cc - the "rate" check against a fake counter store and
// inline: limits: which requests count, limit lookup order, the N+1th
// message, windows, the loop pass, HOLD, and errors that must never be OK.
#include <catch2/catch.hpp>

#include "core/log/log.h"
#include "core/table/table.h"
#include "policyd/pipeline.h"
#include "policyd/rate_limit.h"
#include "tests/unit/policyd/fake_counter_store.h"

using policyd::RateLimit;
using policyd::Request;
using policyd::Verdict;

namespace {

struct Fixture {
  long long now = 1700000000;  // 1699999200 starts its hour
  vmk_test::FakeCounterStore* store = nullptr;
  std::unique_ptr<RateLimit> check;
  std::vector<std::string> log;

  explicit Fixture(const std::string& limits_spec, policyd::RateLimitValue defaults = {}, bool hold = false) {
    policyd::RateSettings s;
    s.enabled = true;
    s.defaults = defaults;
    s.hold = hold;
    std::shared_ptr<core::table::Table> limits;
    if (!limits_spec.empty()) limits = core::table::open(limits_spec, {});
    auto fake = std::make_unique<vmk_test::FakeCounterStore>();
    store = fake.get();
    check = std::make_unique<RateLimit>(s, limits, std::move(fake), [this] { return now; });
    core::log::set_sink([this](core::log::Level, std::string_view t) { log.emplace_back(t); });
  }
  ~Fixture() { core::log::set_sink(nullptr); }

  core::Result<std::optional<Verdict>> send(const std::string& login, int rcpts = 1,
                                            const std::string& state = "DATA") {
    Request r;
    r.add("request", "smtpd_access_policy");
    r.add("protocol_state", state);
    r.add("client_address", "192.0.2.7");
    r.add("client_name", "mua.example");
    r.add("sasl_username", login);
    r.add("recipient_count", std::to_string(rcpts));
    return check->check(r);
  }
};

// verdict - the answer's action text, "" for no opinion; fails the test on an Error.
std::string verdict(const core::Result<std::optional<Verdict>>& r) {
  INFO((r ? "" : r.error().text));
  REQUIRE(r);
  return *r ? (*r)->text : "";
}

const char* kLimits =
    "inline:{ { bob@example.org = 2 0 1h }, { @example.org = 3 10 1h }, { slow@example.org = 0 0 1h } }";

}  // namespace

TEST_CASE("rate: only DATA requests of SASL logins count", "[unit]") {
  Fixture f(kLimits);
  for (const char* state : {"CONNECT", "EHLO", "MAIL", "RCPT", "END-OF-MESSAGE", "VRFY", "ETRN", "data", ""})
    CHECK(verdict(f.send("bob@example.org", 1, state)) == "");
  CHECK(verdict(f.send("", 1)) == "");
  CHECK(f.store->calls.empty());
}

TEST_CASE("rate: the N+1th message in the window is deferred, another login is not", "[unit]") {
  Fixture f(kLimits);
  CHECK(verdict(f.send("bob@example.org")) == "");
  CHECK(verdict(f.send("Bob@Example.ORG")) == "");  // same login, folded
  auto third = f.send("bob@example.org");
  REQUIRE(third);
  REQUIRE(*third);
  CHECK((*third)->kind == Verdict::Kind::kDefer);
  CHECK((*third)->text == "450 4.7.1 <bob@example.org>: rate limit exceeded: 2 messages in 3600 s");
  CHECK((*third)->reason == "rate limit exceeded: 2 messages in 3600 s");
  CHECK(f.store->calls.back() == "undo bob@example.org");
  CHECK(f.store->rows["bob@example.org"].messages == 2);  // the refused one was taken back
  REQUIRE(!f.log.empty());
  CHECK(f.log.back() ==
        "rate: defer: sasl_username=bob@example.org client=mua.example[192.0.2.7] recipients=1: "
        "rate limit exceeded: 2 messages in 3600 s");
  CHECK(verdict(f.send("alice@example.org")) == "");  // domain limit 3, own counter
  // The next window starts afresh.
  f.now = 1699999200 + 3600;
  CHECK(verdict(f.send("bob@example.org")) == "");
  CHECK(verdict(f.send("bob@example.org")) == "");
  CHECK(verdict(f.send("bob@example.org")) != "");
}

TEST_CASE("rate: recipient limit counts recipient_count", "[unit]") {
  Fixture f(kLimits);  // @example.org: 3 messages, 10 recipients per hour
  CHECK(verdict(f.send("carol@example.org", 6)) == "");
  CHECK(verdict(f.send("carol@example.org", 5)) ==
        "450 4.7.1 <carol@example.org>: rate limit exceeded: 10 recipients in 3600 s");
  CHECK(verdict(f.send("carol@example.org", 4)) == "");  // 6 + 4 fits: the refused 5 were not counted
  CHECK(verdict(f.send("carol@example.org", 1)) ==
        "450 4.7.1 <carol@example.org>: rate limit exceeded: 10 recipients in 3600 s");
}

TEST_CASE("rate: limits are looked up user, @domain, then the defaults", "[unit]") {
  Fixture f(kLimits, {7, 70, std::chrono::seconds(60)});
  auto l = [&](const char* login) {
    auto v = f.check->limit_for(login);
    REQUIRE(v);
    return *v;
  };
  CHECK(l("bob@example.org") == policyd::RateLimitValue{2, 0, std::chrono::seconds(3600)});
  CHECK(l("zed@example.org") == policyd::RateLimitValue{3, 10, std::chrono::seconds(3600)});
  CHECK(l("zed@other.example") == policyd::RateLimitValue{7, 70, std::chrono::seconds(60)});
  CHECK(l("plainlogin") == policyd::RateLimitValue{7, 70, std::chrono::seconds(60)});
  // An explicit 0 0 entry exempts a login from the domain limit: no counter is written.
  CHECK(verdict(f.send("slow@example.org")) == "");
  CHECK(f.store->calls.empty());
}

TEST_CASE("rate: no limit anywhere means no database work", "[unit]") {
  Fixture f("");
  for (int i = 0; i < 5; ++i) CHECK(verdict(f.send("bob@example.org")) == "");
  CHECK(f.store->calls.empty());
}

TEST_CASE("rate: the loop pass asks for a worker before writing", "[unit]") {
  Fixture f(kLimits);
  {
    policyd::BlockingScope loop(false);
    auto r = f.send("bob@example.org");
    REQUIRE(!r);
    CHECK(policyd::is_would_block(r.error()));
    CHECK(verdict(f.send("slow@example.org")) == "");  // unlimited: answered in the loop
    CHECK(verdict(f.send("bob@example.org", 1, "RCPT")) == "");
  }
  CHECK(f.store->calls.empty());
  CHECK(verdict(f.send("bob@example.org")) == "");
  CHECK(f.store->calls.size() == 1);
}

TEST_CASE("rate: HOLD instead of DEFER when configured", "[unit]") {
  Fixture f("", {1, 0, std::chrono::seconds(600)}, true);
  CHECK(verdict(f.send("bob@example.org")) == "");
  auto r = f.send("bob@example.org");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK((*r)->kind == Verdict::Kind::kHold);
  CHECK((*r)->text == "HOLD <bob@example.org>: rate limit exceeded: 1 messages in 600 s");
}

TEST_CASE("rate: database and map errors are errors, never OK", "[unit]") {
  SECTION("counter store down") {
    Fixture f(kLimits);
    f.store->fail = true;
    auto r = f.send("bob@example.org");
    REQUIRE(!r);
    CHECK(r.error().retry());
    CHECK(!policyd::is_would_block(r.error()));
  }
  SECTION("limits map down") {
    Fixture f("");
    f.check = std::make_unique<RateLimit>(
        policyd::RateSettings{}, std::make_shared<core::table::FailTable>(core::retry_error("db down")),
        std::make_unique<vmk_test::FakeCounterStore>());
    auto r = f.send("bob@example.org");
    REQUIRE(!r);
    CHECK(r.error().text == "db down");
  }
  SECTION("malformed limit value") {
    Fixture f("inline:{ { bob@example.org = lots } }");
    auto r = f.send("bob@example.org");
    REQUIRE(!r);
    CHECK(r.error().text.find("bad rate limit \"lots\"") != std::string::npos);
    CHECK(f.store->calls.empty());
  }
  SECTION("undo fails: still deferred, and a warning") {
    Fixture f("", {1, 0, std::chrono::seconds(60)});
    f.store->fail_undo = true;
    CHECK(verdict(f.send("bob@example.org")) == "");
    CHECK(verdict(f.send("bob@example.org")).rfind("450 4.7.1 ", 0) == 0);
    CHECK(f.log.front().find("cannot take back") != std::string::npos);
  }
}
