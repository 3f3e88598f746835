// test_quota_check.cc - the RCPT-time quota check with inline tables and temp maildirs.
#include <catch2/catch.hpp>

#include "core/config/config.h"
#include "core/table/table.h"
#include "policyd/quota_check.h"
#include "policyd/pipeline.h"
#include "tests/unit/vdelivery/temp_maildir.h"

using namespace policyd;
using vdelivery_test::TempDir;
using vdelivery_test::write_file;

namespace {

// LoopTable - imitates policyd's table cache: on the loop pass every lookup
// is a miss (would_block); KEYS in DOWN fail with Retry.
class LoopTable final : public core::table::Table {
 public:
  explicit LoopTable(std::unique_ptr<core::table::Table> inner) : inner_(std::move(inner)) {}
  core::table::LookupResult lookup(std::string_view key) override {
    if (!blocking_allowed()) return would_block();
    if (down) return core::retry_error("mysql: db down");
    return inner_->lookup(key);
  }
  static inline bool down = false;

 private:
  std::unique_ptr<core::table::Table> inner_;
};

struct Fixture {
  TempDir tmp;
  core::config::Config config;
  std::unique_ptr<Check> check;

  // Fixture - the mailboxes of example.com with alias.com as its alias domain.
  // Fixture - LOOP_AWARE tables imitate the daemon's cache (every loop-pass
  // lookup a miss); otherwise the in-memory tables answer on the loop pass.
  explicit Fixture(std::string extra = "", bool loop_aware = true) {
    std::string text = "mailbox_base = " + tmp.path() + "\n" +
                       "recipient_delimiter = +\n"
                       "mailbox_maps = inline:{full@ex.com=ex.com/full/, room@ex.com=ex.com/room/, "
                       "nofile@ex.com=ex.com/nofile/, big@ex.com=ex.com/big/, joe+x@ex.com=ex.com/joe/}\n"
                       "quota_maps = inline:{full@ex.com=1000, room@ex.com=1000, @ex.com=5000}\n"
                       "default_quota = 0\n"
                       "policyd_alias_maps = inline:{full@ex.com=full@ex.com, room@ex.com=room@ex.com, "
                       "alias@ex.com=full@ex.com, fwd@ex.com=someone@out.org, "
                       "{keep@ex.com=room@ex.com, full@ex.com}, {both@ex.com=room@ex.com, friend@out.org}, "
                       "full@alias.com=full@ex.com, room@alias.com=room@ex.com, "
                       "@catch.com=full@ex.com, loop1@ex.com=loop2@ex.com, loop2@ex.com=loop1@ex.com}\n" +
                       extra;
    auto c = core::config::Config::parse(text, "test.cf");
    REQUIRE(c);
    config = std::move(*c);
    config.add_defaults(kQuotaParams);
    write_file(tmp.path() + "/ex.com/full/maildirsize", "1000S\n1000 4\n");
    write_file(tmp.path() + "/ex.com/room/maildirsize", "1000S\n100 1\n");
    write_file(tmp.path() + "/ex.com/big/maildirsize", "5000S\n4990 1\n");
    CheckContext ctx;
    ctx.config = &config;
    ctx.open_tables = [loop_aware](std::string_view specs) -> core::Result<std::shared_ptr<core::table::Table>> {
      auto t = core::table::open_list(specs, {});
      if (!t) return t.error();
      if (!loop_aware) return std::shared_ptr<core::table::Table>(std::move(*t));
      return std::shared_ptr<core::table::Table>(std::make_shared<LoopTable>(std::move(*t)));
    };
    auto made = make_quota_check(ctx);
    REQUIRE(made);
    REQUIRE(*made);
    check = std::move(*made);
  }

  core::Result<std::optional<Verdict>> ask(std::string rcpt, std::string size = "",
                                            std::string state = "RCPT") {
    Request r;
    r.add("request", "smtpd_access_policy");
    r.add("protocol_state", state);
    r.add("recipient", rcpt);
    if (!size.empty()) r.add("size", size);
    return check->check(r);
  }
  // text - the action, "" for no opinion; errors as "ERROR <text>".
  std::string text(std::string rcpt, std::string size = "") {
    auto v = ask(rcpt, size);
    if (!v) return "ERROR " + v.error().text;
    return *v ? (*v)->text : "";
  }
};

}  // namespace

TEST_CASE("quota_check: who is refused", "[unit]") {
  Fixture f;
  struct Case {
    std::string rcpt, size, want;
  };
  std::vector<Case> cases{
      {"full@ex.com", "", "452 4.2.2 Mailbox full"},
      {"room@ex.com", "", ""},
      {"room@ex.com", "900", ""},
      {"room@ex.com", "901", "452 4.2.2 Mailbox full"},
      // bigger than the whole limit: vdelivery would bounce it, so 5xx
      {"room@ex.com", "2000", "552 5.2.2 Mailbox full"},
      {"Full+tag@EX.com", "", "452 4.2.2 Mailbox full"},
      {"alias@ex.com", "", "452 4.2.2 Mailbox full"},
      {"alias+x@ex.com", "", "452 4.2.2 Mailbox full"},
      {"keep@ex.com", "", "452 4.2.2 Mailbox full"},  // any full target refuses
      {"both@ex.com", "", ""},
      {"fwd@ex.com", "", ""},  // forward outside: not checked
      {"full@alias.com", "", "452 4.2.2 Mailbox full"},
      {"room@alias.com", "", ""},
      {"anyone@catch.com", "", "452 4.2.2 Mailbox full"},
      {"nobody@ex.com", "", ""},   // no mailbox: no opinion
      {"nofile@ex.com", "", ""},   // no maildirsize: not refused
      {"big@ex.com", "10", ""},    // limit from @ex.com: 5000
      {"big@ex.com", "11", "452 4.2.2 Mailbox full"},
      {"joe+x@ex.com", "", ""},    // a mailbox named with the delimiter, no maildirsize
      {"loop1@ex.com", "", ""},    // Postfix defers the loop itself
      {"nodomain", "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.rcpt << " size=" << c.size);
    CHECK(f.text(c.rcpt, c.size) == c.want);
  }
  auto v = f.ask("full@ex.com", "", "DATA");
  REQUIRE(v);
  CHECK(!*v);
  v = f.ask("alias@ex.com");
  REQUIRE(v);
  REQUIRE(*v);
  CHECK((*v)->kind == Verdict::Kind::kReject);
  CHECK((*v)->reason == "Mailbox full (full@ex.com: mailbox over quota)");
}

TEST_CASE("quota_check: policyd_quota_status = 552", "[unit]") {
  Fixture f("policyd_quota_status = 552\n");
  CHECK(f.text("full@ex.com") == "552 5.2.2 Mailbox full");
  CHECK(f.text("room@ex.com") == "");
  Fixture bounce("vdelivery_overquota_bounce = yes\n");  // the default follows vdelivery
  CHECK(bounce.text("full@ex.com") == "552 5.2.2 Mailbox full");
  Fixture both("vdelivery_overquota_bounce = yes\npolicyd_quota_status = 452\n");
  CHECK(both.text("full@ex.com") == "452 4.2.2 Mailbox full");
}

TEST_CASE("quota_check: bad parameters fail at startup", "[unit]") {
  for (std::string bad : {"policyd_quota_status = 550\n", "policyd_alias_recursion_limit = 0\n",
                          "mailbox_base = relative\n", "policyd_alias_maps = nosuch:x\n"}) {
    INFO(bad);
    auto c = core::config::Config::parse("mailbox_maps = static:x\nmailbox_base = /m\n" + bad, "t.cf");
    REQUIRE(c);
    c->add_defaults(kQuotaParams);
    CheckContext ctx;
    ctx.config = &*c;
    ctx.open_tables = [](std::string_view specs) -> core::Result<std::shared_ptr<core::table::Table>> {
      auto t = core::table::open_list(specs, {});
      if (!t) return t.error();
      return std::shared_ptr<core::table::Table>(std::move(*t));
    };
    auto made = make_quota_check(ctx);
    CHECK(!made);
  }
  auto c = core::config::Config::parse("", "t.cf");
  REQUIRE(c);
  c->add_defaults(kQuotaParams);
  CheckContext ctx;
  ctx.config = &*c;
  auto made = make_quota_check(ctx);  // no mailbox_maps: switched off
  REQUIRE(made);
  CHECK(!*made);
}

TEST_CASE("quota_check: domain storage cap", "[unit]") {
  Fixture f("vdelivery_domain_quota_maps = inline:{@ex.com=10000}\n");
  CHECK(f.text("room@ex.com") == "");
  write_file(f.tmp.path() + "/.vdelivery-domains/ex.com", "9000 10\n1000 1\n");
  CHECK(f.text("room@ex.com") == "452 4.2.2 Mailbox full");
  CHECK(f.text("joe+x@ex.com") == "452 4.2.2 Mailbox full");  // a box with room, capped domain
  CHECK(f.text("someone@alias.com") == "");  // no such mailbox anywhere
}

TEST_CASE("quota_check: usage from Dovecot's quota2 table", "[unit]") {
  Fixture f("policyd_quota2_maps = inline:{{room@ex.com=1000 3}, {full@ex.com=10 1}, big@ex.com=junk}\n");
  CHECK(f.text("room@ex.com") == "452 4.2.2 Mailbox full");  // quota2, not maildirsize
  CHECK(f.text("full@ex.com") == "");
  CHECK(f.text("alias@ex.com") == "");
  CHECK(f.text("nofile@ex.com") == "");  // no row: usage unknown
  auto v = f.ask("big@ex.com");
  REQUIRE(!v);
  CHECK(!v.error().retry());
}

TEST_CASE("quota_check: errors and the loop pass", "[unit]") {
  Fixture f;
  {
    BlockingScope loop(false);
    auto v = f.ask("alias@ex.com");
    REQUIRE(!v);
    CHECK(is_would_block(v.error()));
  }
  LoopTable::down = true;
  auto v = f.ask("alias@ex.com");
  LoopTable::down = false;
  REQUIRE(!v);
  CHECK(v.error().retry());
  CHECK(v.error().text == "mysql: db down");
  // an unreadable maildir: the mailbox path is a file (a Retry error)
  write_file(f.tmp.path() + "/ex.com/nofile", "not a directory");
  v = f.ask("nofile@ex.com");
  REQUIRE(!v);
  CHECK(v.error().retry());
}

TEST_CASE("quota_check: warm tables answer on the loop pass, maildirsize read included", "[unit]") {
  Fixture f("", false);
  BlockingScope loop(false);
  CHECK(f.text("alias@ex.com") == "452 4.2.2 Mailbox full");
  CHECK(f.text("room@alias.com") == "");
  // an untrusted over-quota file needs a recount: that is worker work
  write_file(f.tmp.path() + "/ex.com/room/maildirsize", "1000S\n600 1\n600 1\n");
  CHECK(f.text("room@ex.com") == "ERROR vmailkit:would-block");
}
