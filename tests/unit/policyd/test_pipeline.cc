// test_pipeline.cc - check.h's two passes with fake tables: loop pass from
// the cache, would-block to a worker, errors never cached, fail-safe
// defers, verdict order.
#include <catch2/catch.hpp>

#include "fakes.h"
#include "policyd/pipeline.h"
#include "policyd/table_cache.h"

using namespace policyd;
using policyd::test::FakeTable;
using namespace std::chrono_literals;

namespace {

core::cache::Clock::time_point g_now = core::cache::Clock::time_point() + 1000h;
core::cache::Clock::time_point fake_now() { return g_now; }

// LookupCheck - answers REJECT when its table finds the recipient, else nullopt.
class LookupCheck final : public Check {
 public:
  explicit LookupCheck(std::shared_ptr<core::table::Table> t) : t_(std::move(t)) {}
  std::string_view name() const override { return "lookup"; }
  core::Result<std::optional<Verdict>> check(const Request& r) override {
    auto v = t_->lookup(r.get("recipient"));
    if (!v) return v.error();
    if (!v->has_value()) return std::optional<Verdict>();
    return std::optional<Verdict>(Verdict{Verdict::Kind::kReject, "REJECT " + **v, ""});
  }

 private:
  std::shared_ptr<core::table::Table> t_;
};

// FixedCheck - always the same answer.
class FixedCheck final : public Check {
 public:
  FixedCheck(std::string name, core::Result<std::optional<Verdict>> answer) : name_(std::move(name)), answer_(std::move(answer)) {}
  std::string_view name() const override { return name_; }
  core::Result<std::optional<Verdict>> check(const Request&) override { return answer_; }
  int calls = 0;

 private:
  std::string name_;
  core::Result<std::optional<Verdict>> answer_;
};

std::optional<Verdict> v(Verdict::Kind k, std::string text) { return Verdict{k, std::move(text), ""}; }

}  // namespace

TEST_CASE("pipeline: a miss would block on the loop, the worker asks, the next loop pass hits", "[unit]") {
  auto* fake = new FakeTable(test::Answers{{"bad@x", "no"}});
  auto cached = std::make_shared<CachedTable>(std::unique_ptr<core::table::Table>(fake),
                                              CachedTable::Options{10s, 5s, 100}, fake_now);
  CheckList checks;
  checks.push_back(std::make_unique<LookupCheck>(cached));
  auto req = test::rcpt({{"recipient", "bad@x"}});

  auto first = loop_pass(checks, req);
  REQUIRE(!first);
  CHECK(is_would_block(first.error()));
  CHECK(fake->asked().empty());  // the loop pass never touched the table

  auto worker = evaluate(checks, req);  // blocking allowed (worker thread)
  REQUIRE(worker);
  CHECK(worker->verdict.text == "REJECT no");
  CHECK(worker->check == "lookup");
  CHECK(fake->asked().size() == 1);

  auto warm = loop_pass(checks, req);
  REQUIRE(warm);
  CHECK(warm->verdict.text == "REJECT no");
  CHECK(fake->asked().size() == 1);

  // Negative answers are cached for negative_ttl, positive ones for ttl.
  auto good = test::rcpt({{"recipient", "good@x"}});
  CHECK(!loop_pass(checks, good));
  REQUIRE(evaluate(checks, good));
  REQUIRE(loop_pass(checks, good));
  CHECK(loop_pass(checks, good)->verdict.kind == Verdict::Kind::kDunno);
  g_now += 5s;
  CHECK(!loop_pass(checks, good));  // negative expired
  CHECK(loop_pass(checks, req));    // positive still fresh
  g_now += 5s;
  CHECK(!loop_pass(checks, req));
}

TEST_CASE("pipeline: table errors are never cached and answer DEFER_IF_PERMIT, never OK", "[unit]") {
  auto* fake = new FakeTable(test::Answers{{"bad@x", "no"}}, {"*"});
  auto cached = std::make_shared<CachedTable>(std::unique_ptr<core::table::Table>(fake),
                                              CachedTable::Options{10s, 5s, 100}, fake_now);
  CheckList checks;
  checks.push_back(std::make_unique<FixedCheck>("relay", v(Verdict::Kind::kOk, "OK")));
  checks.push_back(std::make_unique<LookupCheck>(cached));
  auto req = test::rcpt({{"recipient", "bad@x"}});
  auto r = evaluate(checks, req);
  REQUIRE(r);
  CHECK(r->verdict.kind == Verdict::Kind::kDeferIfPermit);
  CHECK(r->verdict.text.rfind("DEFER_IF_PERMIT 4.3.0 ", 0) == 0);
  CHECK_THAT(r->verdict.reason, Catch::Contains("fake: database down"));
  CHECK(r->check == "lookup");
  CHECK(!loop_pass(checks, req));  // nothing cached: would block again
  fake->set_fail({});
  REQUIRE(evaluate(checks, req));
  CHECK(loop_pass(checks, req)->verdict.text == "REJECT no");
  CHECK(fake->asked().size() == 2);
}

TEST_CASE("pipeline: verdict rules (OK kept, first final wins, default DUNNO)", "[unit]") {
  auto req = test::rcpt();
  auto run = [&](std::vector<core::Result<std::optional<Verdict>>> answers) {
    CheckList checks;
    int i = 0;
    for (auto& a : answers) checks.push_back(std::make_unique<FixedCheck>("c" + std::to_string(i++), a));
    auto r = evaluate(checks, req);
    REQUIRE(r);
    return *r;
  };
  using K = Verdict::Kind;
  auto none = std::optional<Verdict>();
  CHECK(run({}).verdict.text == "DUNNO");
  CHECK(run({none, none}).verdict.text == "DUNNO");
  CHECK(run({v(K::kOk, "OK"), none}).verdict.text == "OK");
  auto o = run({v(K::kOk, "OK"), v(K::kReject, "552 full"), v(K::kReject, "later")});
  CHECK(o.verdict.text == "552 full");
  CHECK(o.check == "c1");
  CHECK(run({v(K::kDunno, "DUNNO"), v(K::kOk, "OK")}).verdict.text == "OK");
  CHECK(run({v(K::kOk, "OK"), v(K::kHold, "HOLD x")}).verdict.text == "HOLD x");
  CHECK(run({v(K::kOk, "OK"), core::retry_error("down")}).verdict.kind == K::kDeferIfPermit);
  CHECK(run({core::config_error("bad cf"), v(K::kOk, "OK")}).verdict.kind == K::kDeferIfPermit);
  CHECK(run({v(K::kReject, "first"), core::retry_error("down")}).verdict.text == "first");
}

TEST_CASE("pipeline: in-memory table lists answer on the loop pass", "[unit]") {
  core::config::Config config;
  TableCache cache(&config, CachedTable::Options{10s, 5s, 100});
  auto t = cache.open("inline:{a@x=1}, static:2");
  REQUIRE(t);
  CHECK(*t == *cache.open("inline:{a@x=1}, static:2"));  // shared per spelling
  CheckList checks;
  checks.push_back(std::make_unique<LookupCheck>(*t));
  auto r = loop_pass(checks, test::rcpt({{"recipient", "a@x"}}));
  REQUIRE(r);
  CHECK(r->verdict.text == "REJECT 1");
  CHECK(!cache.open("nosuchtype:x"));
  CHECK(!cache.open(""));
  CHECK(blocking_allowed());
}

TEST_CASE("pipeline: cache off (ttl 0) always asks, still would-blocks on the loop", "[unit]") {
  auto* fake = new FakeTable(test::Answers{{"bad@x", "no"}});
  auto cached = std::make_shared<CachedTable>(std::unique_ptr<core::table::Table>(fake),
                                              CachedTable::Options{0s, 0s, 100}, fake_now);
  CheckList checks;
  checks.push_back(std::make_unique<LookupCheck>(cached));
  auto req = test::rcpt({{"recipient", "bad@x"}});
  CHECK(!loop_pass(checks, req));
  REQUIRE(evaluate(checks, req));
  REQUIRE(evaluate(checks, req));
  CHECK(fake->asked().size() == 2);
  CHECK(!loop_pass(checks, req));
}
