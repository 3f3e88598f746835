// test_vacation_rules.cc - who gets a vacation reply, and how often.
#include <catch2/catch.hpp>

#include "vdelivery/vacation_rules.h"

using namespace vdelivery;

TEST_CASE("vacation_rules: parse_addresses", "[unit]") {
  struct Case {
    std::string value;
    std::vector<std::string> want;
  };
  std::vector<Case> cases{
      {"joe@example.com", {"joe@example.com"}},
      {"Joe <Joe@Example.COM>, ann@x.test", {"joe@example.com", "ann@x.test"}},
      {"\"Smith, Joe\" <joe@example.com>", {"joe@example.com"}},
      {"joe@example.com (Joe, at home)", {"joe@example.com"}},
      {"friends: a@x.test, b@y.test;, c@z.test", {"a@x.test", "b@y.test", "c@z.test"}},
      {"undisclosed-recipients:;", {}},
      {"=?UTF-8?B?5bGx55Sw?= <yamada@example.jp>", {"yamada@example.jp"}},
      {"<@relay.test:joe@example.com>", {"joe@example.com"}},
      {"no address here", {}},
  };
  for (const auto& c : cases) {
    INFO(c.value);
    CHECK(parse_addresses(c.value) == c.want);
  }
}

TEST_CASE("vacation_rules: senders never answered", "[unit]") {
  for (std::string s : {"",
                        "<>",
                        "MAILER-DAEMON",
                        "mailer-daemon@example.com",
                        "postmaster@x.test",
                        "noreply@shop.test",
                        "no-reply@shop.test",
                        "no_reply@s.test",
                        "do_not_reply@s.test",
                        "owner-list@lists.test",
                        "list-owner@lists.test",
                        "list-request@lists.test",
                        "bounces-123@lists.test",
                        "list-bounces@lists.test",
                        "request-x@l.test",
                        "listserv@l.test",
                        "majordomo@l.test",
                        "nodomain",
                        "-oQ/tmp@x.test",
                        "a b@x.test",
                        "a@b.test,c@d.test",
                        "\"q\"@x.test",
                        "x@"}) {
    INFO(s);
    CHECK_FALSE(sender_refusal(s).empty());
  }
  for (std::string s :
       {"ann@client.test", "Ann.Smith+tag@client.test", "owner@x.test", "requests@x.test", "a@[127.0.0.1]"}) {
    INFO(s);
    CHECK(sender_refusal(s).empty());
  }
}

TEST_CASE("vacation_rules: message decisions", "[unit]") {
  const std::vector<std::string> own{"joe@example.com", "joe+tag@example.com", "info@example.com"};
  struct Case {
    std::string name, header, sender;
    bool require_to;
    bool want_reply;
  };
  const std::string to =
      "From: Ann <ann@client.test>\nTo: Joe <joe@example.com>\nMessage-ID: <m1@client.test>\n";
  std::vector<Case> cases{
      {"plain", to, "ann@client.test", true, true},
      {"bounce", to, "", true, false},
      {"mailer-daemon", to, "MAILER-DAEMON@client.test", true, false},
      {"own address", to, "Joe@Example.com", true, false},
      {"auto-submitted no", to + "Auto-Submitted: no\n", "ann@client.test", true, true},
      {"auto-submitted auto-replied", to + "Auto-Submitted: auto-replied\n", "ann@client.test", true, false},
      {"auto-submitted generated", to + "auto-submitted: Auto-Generated (x)\n", "ann@client.test", true,
       false},
      {"precedence bulk", to + "Precedence: bulk\n", "ann@client.test", true, false},
      {"precedence list", to + "Precedence: List\n", "ann@client.test", true, false},
      {"precedence junk", to + "Precedence: junk\n", "ann@client.test", true, false},
      {"precedence first-class", to + "Precedence: first-class\n", "ann@client.test", true, true},
      {"list-id", to + "List-Id: <l.lists.test>\n", "ann@client.test", true, false},
      {"list-unsubscribe folded", to + "List-Unsubscribe:\n <mailto:u@l.test>\n", "ann@client.test", true,
       false},
      {"our own reply", to + "X-Loop: Postfix Admin Virtual Vacation\n", "ann@client.test", true, false},
      {"spam flag", to + "X-Spam-Flag: YES\n", "ann@client.test", true, false},
      {"spam status yes", to + "X-Spam-Status: Yes, score=9\n", "ann@client.test", true, false},
      {"spam status no", to + "X-Spam-Status: No, score=1\n", "ann@client.test", true, true},
      {"suppress oof", to + "X-Auto-Response-Suppress: DR, OOF\n", "ann@client.test", true, false},
      {"suppress dr only", to + "X-Auto-Response-Suppress: DR\n", "ann@client.test", true, true},
      {"bcc: not in to/cc", "From: ann@client.test\nTo: other@x.test\n", "ann@client.test", true, false},
      {"bcc allowed when not required", "From: ann@client.test\nTo: other@x.test\n", "ann@client.test", false,
       true},
      {"cc counts", "From: ann@client.test\nTo: o@x.test\nCc: a@b.test,\n JOE@example.com\n",
       "ann@client.test", true, true},
      {"alias address in to", "From: ann@client.test\nTo: info@example.com\n", "ann@client.test", true, true},
      {"extension address in to", "From: ann@client.test\nTo: joe+tag@example.com\n", "ann@client.test", true,
       true},
      {"mailing myself", to + "Cc: ann@client.test\n", "ann@client.test", true, false},
      {"from noreply", "From: noreply@shop.test\nTo: joe@example.com\n", "ann@client.test", true, false},
      {"reply-to list", to + "Reply-To: team-request@l.test\n", "ann@client.test", true, false},
      {"list header in body only", to + "\nList-Id: x\n", "ann@client.test", true, true},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    MessageFacts f = read_facts(c.header + "\nbody\n");
    auto why = reply_refusal(f, c.sender, own, c.require_to);
    CHECK(!why.has_value() == c.want_reply);
  }
  MessageFacts f = read_facts(to + "References: <a@x>\n <b@y>\n\nbody\n");
  CHECK(f.message_id == "<m1@client.test>");
  CHECK(f.references == "<a@x> <b@y>");
}

TEST_CASE("vacation_rules: notify_due follows vacation.pl's interval_time", "[unit]") {
  struct Case {
    int64_t interval;
    std::optional<int64_t> since;
    bool before_activefrom, want;
  };
  std::vector<Case> cases{
      {0, std::nullopt, false, true},  // never answered: reply
      {0, 5, false, false},            // 0 = once only
      {0, 99999999, false, false},     // ... however long ago
      {0, 5, true, true},              // answered before this vacation began: reply again
      {3600, 10, false, false},        // within the interval
      {3600, 3600, false, false},      // exactly the interval: not yet (vacation.pl: >)
      {3600, 3601, false, true},       // after it
      {3600, std::nullopt, false, true},
      {-5, 10, false, false},  // a negative interval counts as 0
  };
  for (const auto& c : cases) {
    INFO(c.interval << " " << (c.since ? *c.since : -1) << " " << c.before_activefrom);
    CHECK(notify_due(c.interval, c.since, c.before_activefrom) == c.want);
  }
}
