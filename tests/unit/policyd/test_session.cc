// test_session.cc - the policy session over a fake connection: loop-pass
// answers, worker passes in order, malformed and oversized requests, reject logs.
#include <catch2/catch.hpp>

#include <deque>

#include "core/log/log.h"
#include "core/proto/policy.h"
#include "fakes.h"
#include "policyd/session.h"
#include "policyd/table_cache.h"

using namespace policyd;
using policyd::test::FakeConnection;
using policyd::test::FakeTable;
using namespace std::chrono_literals;

namespace {

// RejectListed - REJECT for recipients its table finds (value = text).
class RejectListed final : public Check {
 public:
  explicit RejectListed(std::shared_ptr<core::table::Table> t) : t_(std::move(t)) {}
  std::string_view name() const override { return "listed"; }
  core::Result<std::optional<Verdict>> check(const Request& r) override {
    auto v = t_->lookup(r.get("recipient"));
    if (!v) return v.error();
    if (!v->has_value()) return std::optional<Verdict>();
    return std::optional<Verdict>(Verdict{Verdict::Kind::kReject, "554 5.7.1 " + **v, ""});
  }

 private:
  std::shared_ptr<core::table::Table> t_;
};

std::string request(std::string rcpt, std::string extra = "") {
  return "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=192.0.2.7\n"
         "client_name=mx.example\nhelo_name=mx.example\nsender=s@example.net\nrecipient=" +
         rcpt + "\nqueue_id=\nsasl_username=\n" + extra + "\n";
}

struct Fixture {
  std::deque<std::pair<std::function<void()>, std::function<void()>>> jobs;
  std::vector<std::string> logs;
  FakeTable* fake = new FakeTable(test::Answers{{"bad@x", "bad"}, {"worse@x", "worse"}});
  Engine engine{[this](std::function<void()> w, std::function<void()> d) { jobs.emplace_back(std::move(w), std::move(d)); }};
  std::shared_ptr<FakeConnection> conn = std::make_shared<FakeConnection>();
  std::unique_ptr<PolicySession> session;

  explicit Fixture(size_t max = 4096) {
    core::log::set_sink([this](core::log::Level, std::string_view t) { logs.emplace_back(t); });
    auto cached = std::make_shared<CachedTable>(std::unique_ptr<core::table::Table>(fake), CachedTable::Options{10s, 5s, 100});
    auto checks = std::make_shared<CheckList>();
    checks->push_back(std::make_unique<RejectListed>(cached));
    engine.set_checks(checks);
    session = std::make_unique<PolicySession>(engine, max);
    conn->session = session.get();
  }
  ~Fixture() { core::log::set_sink(nullptr); }
  // run_one - the oldest worker job: WORK then DONE (as the server would).
  void run_one() {
    auto job = std::move(jobs.front());
    jobs.pop_front();
    job.first();
    job.second();
  }
};

}  // namespace

TEST_CASE("session: cold requests go to a worker, warm ones are answered at once", "[unit]") {
  Fixture f;
  f.conn->feed(request("bad@x"));
  CHECK(f.conn->out.empty());
  REQUIRE(f.jobs.size() == 1);
  f.run_one();
  CHECK(f.conn->out == "action=554 5.7.1 bad\n\n");
  f.conn->out.clear();
  f.conn->feed(request("bad@x"));
  CHECK(f.jobs.empty());
  CHECK(f.conn->out == "action=554 5.7.1 bad\n\n");
  CHECK_THAT(f.engine.summary(), Catch::Contains("requests=2 loop=1 worker=1"));
  REQUIRE(!f.logs.empty());
  CHECK(f.logs.back() ==
        "NOQUEUE: reject: RCPT from mx.example[192.0.2.7]: 554 5.7.1 <bad@x>: Recipient address rejected: bad; "
        "from=<s@example.net> to=<bad@x> "
        "proto=ESMTP helo=<mx.example> check=listed");
}

TEST_CASE("session: pipelined requests are answered in request order", "[unit]") {
  Fixture f;
  f.conn->feed(request("bad@x"));  // warm up bad@x
  f.run_one();
  f.conn->out.clear();
  // worse@x (cold: worker), then bad@x (warm: answered on the loop, but must wait).
  f.conn->feed(request("worse@x") + request("bad@x"));
  CHECK(f.conn->out.empty());
  REQUIRE(f.jobs.size() == 1);
  f.run_one();
  CHECK(f.conn->out == "action=554 5.7.1 worse\n\naction=554 5.7.1 bad\n\n");
}

TEST_CASE("session: workers finishing out of order still reply in order", "[unit]") {
  Fixture f;
  f.conn->feed(request("bad@x") + request("worse@x") + request("nobody@x"));
  REQUIRE(f.jobs.size() == 3);
  auto a = std::move(f.jobs[0]), b = std::move(f.jobs[1]), c = std::move(f.jobs[2]);
  f.jobs.clear();
  c.first(), c.second();
  b.first(), b.second();
  CHECK(f.conn->out.empty());
  a.first(), a.second();
  CHECK(f.conn->out == "action=554 5.7.1 bad\n\naction=554 5.7.1 worse\n\naction=DUNNO\n\n");
}

TEST_CASE("session: too many requests in flight pause input until answered", "[unit]") {
  Fixture f;
  std::string many;
  for (size_t i = 0; i < PolicySession::kMaxPipelined + 3; ++i) many += request("q" + std::to_string(i) + "@x");
  f.conn->feed(many);
  CHECK(f.jobs.size() == PolicySession::kMaxPipelined);
  CHECK(f.conn->paused);
  f.run_one();  // one answered: input resumes, one more request is taken, then it pauses again
  CHECK(f.jobs.size() == PolicySession::kMaxPipelined);
  CHECK(f.conn->out == "action=DUNNO\n\n");
  while (!f.jobs.empty()) f.run_one();
  size_t replies = 0;
  for (size_t p = 0; (p = f.conn->out.find("action=DUNNO\n\n", p)) != std::string::npos; ++p) ++replies;
  CHECK(replies == PolicySession::kMaxPipelined + 3);
}

TEST_CASE("session: a client gone before its worker finishes is not written to", "[unit]") {
  Fixture f;
  f.conn->feed(request("bad@x"));
  f.conn->closed_flag = true;
  f.run_one();
  CHECK(f.conn->out.empty());
}

TEST_CASE("session: malformed, foreign and oversized requests close the connection", "[unit]") {
  struct Case {
    std::string name, input, want_log;
  };
  std::vector<Case> cases = {
      {"no '='", "request=smtpd_access_policy\nhello\n\n", "without '='"},
      {"wrong request type", "request=junk\nrecipient=a@b\n\n", "expected request=smtpd_access_policy"},
      {"no request attribute", "recipient=a@b\n\n", "expected request=smtpd_access_policy"},
      {"oversized", request(std::string(5000, 'a') + "@x"), "longer than 4096"},
      {"oversized, no end", std::string(5000, 'a'), "longer than 4096"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Fixture f;
    f.conn->feed(c.input);
    CHECK(f.conn->closed_flag);
    CHECK(f.conn->out.empty());
    CHECK(f.jobs.empty());
    REQUIRE(!f.logs.empty());
    CHECK_THAT(f.logs.back(), Catch::Contains(c.want_log));
    CHECK_THAT(f.logs.back(), Catch::Contains("127.0.0.1:40000"));
  }
}

TEST_CASE("session: a good request before a bad one is still answered", "[unit]") {
  Fixture f;
  f.conn->feed(request("bad@x"));
  f.run_one();
  f.conn->out.clear();
  f.conn->feed(request("bad@x") + "garbage\n\n");
  CHECK(f.conn->out == "action=554 5.7.1 bad\n\n");
  CHECK(f.conn->closed_flag);
}

TEST_CASE("session: decision lines carry queue id, login and printable text", "[unit]") {
  Request r = test::rcpt({{"queue_id", "D5FB5A7412B"}, {"sasl_username", "joe@local.test"}, {"helo_name", "evil\x01helo"}});
  Outcome o{Verdict{Verdict::Kind::kReject, "554 5.7.1 Relay access denied", ""}, "relay"};
  CHECK(decision_line(r, o) ==
        "D5FB5A7412B: reject: RCPT from mx.example[192.0.2.7]: 554 5.7.1 <r@local.test>: Recipient address rejected: "
        "Relay access denied; "
        "from=<s@example.net> to=<r@local.test> proto=ESMTP helo=<evil?helo> sasl_username=joe@local.test check=relay");
  Request anon = test::rcpt({{"client_name", ""}, {"sender", ""}});
  Outcome d{Verdict{Verdict::Kind::kDeferIfPermit, "DEFER_IF_PERMIT 4.3.0 x", ""}, "relay"};
  CHECK_THAT(decision_line(anon, d), Catch::StartsWith("NOQUEUE: defer_if_permit: RCPT from unknown[192.0.2.7]: "));
  CHECK_THAT(decision_line(anon, d), Catch::Contains(" from=<> "));
}

TEST_CASE("session: smtp_reply renders actions as smtpd does in recipient restrictions", "[unit]") {
  Request r = test::rcpt({{"recipient", "u@x.test"}});
  struct Case {
    const char *action, *want;
  };
  Case cases[] = {
      {"554 5.7.1 Relay access denied", "554 5.7.1 <u@x.test>: Recipient address rejected: Relay access denied"},
      {"553 5.7.1 <s@y>: Sender address rejected: not owned by user j",
       "553 5.7.1 <u@x.test>: Recipient address rejected: <s@y>: Sender address rejected: not owned by user j"},
      {"552 5.2.2 Mailbox full", "552 5.2.2 <u@x.test>: Recipient address rejected: Mailbox full"},
      {"452 over", "452 4.7.1 <u@x.test>: Recipient address rejected: over"},
      {"DEFER_IF_PERMIT 4.3.0 Temporary lookup failure",
       "450 4.3.0 <u@x.test>: Recipient address rejected: Temporary lookup failure"},
      {"defer try later", "450 4.7.1 <u@x.test>: Recipient address rejected: try later"},
      {"REJECT", "554 5.7.1 <u@x.test>: Recipient address rejected: Access denied"},
      {"HOLD why", "HOLD why"},
      {"DUNNO", "DUNNO"},
      {"OK", "OK"},
  };
  for (const auto& c : cases) {
    INFO(c.action);
    CHECK(smtp_reply(r, c.action) == c.want);
  }
}

TEST_CASE("session: warm answers waiting behind a cold one also count toward the pipeline limit", "[unit]") {
  Fixture f;
  f.conn->feed(request("bad@x"));  // warm up
  f.run_one();
  f.conn->out.clear();
  std::string input = request("worse@x");  // cold: goes to a worker
  for (int i = 0; i < 30; ++i) input += request("bad@x");
  f.conn->feed(input);
  CHECK(f.conn->paused);
  CHECK(f.jobs.size() == 1);
  CHECK(f.conn->out.empty());
  f.run_one();  // the cold one answers: everything queued behind it goes out, input resumes
  CHECK(!f.conn->paused);
  CHECK(f.conn->in.empty());
  size_t replies = 0;
  for (size_t p = 0; (p = f.conn->out.find("action=", p)) != std::string::npos; ++p) ++replies;
  CHECK(replies == 31);
  CHECK(f.conn->out.rfind("action=554 5.7.1 worse\n\n", 0) == 0);
}
