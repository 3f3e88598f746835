// test_deliver.cc - whole deliveries into a temp mailbox_base, with inline: tables.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/log/log.h"
#include "tests/unit/vdelivery/temp_maildir.h"
#include "vdelivery/deliver.h"
#include "core/mailbox/maildirsize.h"

using namespace vdelivery;
using namespace vdelivery_test;
using core::mailbox::parse_maildirsize;

namespace {

struct Fixture {
  TempDir base;
  Settings s;
  Tables t;
  std::vector<std::string> log;
  Fixture(std::string quota = "inline:{joe@ex.com=1000, @small.com=100}") {
    s.mailbox_base = base.path();
    s.domain_usage_directory = base.path() + "/.vdelivery-domains";
    t.mailbox =
        core::table::open_checked(
            "inline:{joe@ex.com=ex.com/joe/, ann@small.com=small.com/ann/, bob@small.com=small.com/bob/}", {})
            .value();
    if (!quota.empty()) t.quota = core::table::open_checked(quota, {}).value();
    s.fsync = false;
    core::log::set_sink([this](core::log::Level, std::string_view text) { log.emplace_back(text); });
  }
  ~Fixture() { core::log::set_sink(nullptr); }
  Outcome send(const std::string& rcpt, const std::string& msg, std::string sender = "s@x.org") {
    Report r;
    Request req{sender, rcpt, rcpt};
    Outcome o = deliver(s, t, req, msg, r);
    log_delivery(req, o, r);
    return o;
  }
  std::string dir(const std::string& rel) { return base.path() + "/" + rel; }
};

}  // namespace

TEST_CASE("deliver: into new/, Return-Path added unless present, maildirsize kept", "[unit]") {
  Fixture f;
  auto o = f.send("joe@ex.com", "Subject: a\n\nbody\n");
  CHECK(o.line() == "2.0.0 delivered to maildir");
  auto n = files(f.dir("ex.com/joe/new"));
  REQUIRE(n.size() == 1);
  std::string want = "Return-Path: <s@x.org>\nSubject: a\n\nbody\n";
  CHECK(read_file(f.dir("ex.com/joe/new/") + n[0]) == want);
  CHECK(n[0].ends_with(",S=" + std::to_string(want.size())));
  CHECK(f.send("joe@ex.com", "Return-Path: <o@x>\n\nb").delivered());
  CHECK(
      read_file(f.dir("ex.com/joe/maildirsize")) ==
      fmt::format("1000S\n0 0\n{} 1\n{} 1\n", want.size(), std::string("Return-Path: <o@x>\n\nb\n").size()));
  REQUIRE(f.log.size() == 2);
  CHECK(f.log[0] == fmt::format("to=<joe@ex.com>, relay=vdelivery, size={}, quota={}/1000, dsn=2.0.0, "
                                "status=sent (delivered to maildir)",
                                want.size(), want.size()));
  CHECK(files(f.dir("ex.com/joe/tmp")).empty());
}

TEST_CASE("deliver: unknown user bounces 5.1.1; table errors defer", "[unit]") {
  Fixture f;
  auto o = f.send("nobody@ex.com", "x\n");
  CHECK(o.exit_code == kExNoUser);
  CHECK(o.dsn == "5.1.1");
  f.t.mailbox = std::make_unique<core::table::FailTable>(core::retry_error("mysql: host db down"));
  o = f.send("joe@ex.com", "x\n");
  CHECK(o.exit_code == kExTempFail);
  CHECK(o.line() == "4.3.0 mysql: host db down");
  Fixture g;
  g.t.quota = std::make_unique<core::table::FailTable>(core::retry_error("quota db down"));
  o = g.send("joe@ex.com", "x\n");
  CHECK(o.exit_code == kExTempFail);
  CHECK(files(g.dir("ex.com/joe/new")).empty());
  CHECK(files(g.dir("ex.com/joe/tmp")).empty());
}

TEST_CASE("deliver: over quota defers with the VDA text, or bounces 5.2.2", "[unit]") {
  Fixture f;
  std::string msg(400, 'x');
  msg += "\n";
  CHECK(f.send("joe@ex.com", msg).delivered());
  CHECK(f.send("joe@ex.com", msg).delivered());
  auto o = f.send("joe@ex.com", msg);
  CHECK(o.exit_code == kExTempFail);
  CHECK(o.line() ==
        "4.2.2 maildir delivery failed: Sorry, the user's maildir has overdrawn his diskspace quota, "
        "please try again later.");
  CHECK(files(f.dir("ex.com/joe/new")).size() == 2);
  CHECK(files(f.dir("ex.com/joe/tmp")).empty());
  f.s.overquota_bounce = true;
  o = f.send("joe@ex.com", msg);
  CHECK(o.dsn == "5.2.2");
  CHECK(o.exit_code != kExTempFail);
  f.s.overquota_bounce = false;
  o = f.send("joe@ex.com", std::string(2000, 'x'));  // bigger than the whole quota: bounce
  CHECK(o.dsn == "5.2.2");
  auto m = parse_maildirsize(read_file(f.dir("ex.com/joe/maildirsize")));
  CHECK(m.usage.count == 2);
}

TEST_CASE("deliver: plus-address into an existing folder, or created on request", "[unit]") {
  Fixture f;
  CHECK(f.send("joe+lists@ex.com", "a\n").delivered());
  CHECK(files(f.dir("ex.com/joe/new")).size() == 1);
  REQUIRE(std::filesystem::create_directories(f.dir("ex.com/joe/.lists")));
  auto o = f.send("joe+lists@ex.com", "a\n");
  CHECK(o.text == "delivered to maildir folder .lists");
  CHECK(files(f.dir("ex.com/joe/.lists/new")).size() == 1);
  f.s.create_extension_folders = true;
  CHECK(f.send("joe+new@ex.com", "a\n").delivered());
  CHECK(files(f.dir("ex.com/joe/.new/new")).size() == 1);
  CHECK(std::filesystem::exists(f.dir("ex.com/joe/.new/maildirfolder")));
  // Folder deliveries count in the root's maildirsize.
  CHECK(parse_maildirsize(read_file(f.dir("ex.com/joe/maildirsize"))).usage.count == 3);
}

TEST_CASE("deliver: with quota_inbox_only a folder delivery is not counted", "[unit]") {
  Fixture f;
  f.s.quota_inbox_only = true;
  f.s.create_extension_folders = true;
  CHECK(f.send("joe@ex.com", "a\n").delivered());
  CHECK(f.send("joe+lists@ex.com", "a\n").delivered());
  CHECK(files(f.dir("ex.com/joe/.lists/new")).size() == 1);
  CHECK(parse_maildirsize(read_file(f.dir("ex.com/joe/maildirsize"))).usage.count == 1);
}

TEST_CASE("deliver: Delivered-To and loops when vdelivery adds it", "[unit]") {
  Fixture f;
  f.s.add_delivered_to = true;
  CHECK(f.send("joe@ex.com", "S: x\n\nb\n").delivered());
  auto n = files(f.dir("ex.com/joe/new"));
  REQUIRE(n.size() == 1);
  CHECK(read_file(f.dir("ex.com/joe/new/") + n[0]) ==
        "Return-Path: <s@x.org>\nDelivered-To: joe@ex.com\nS: x\n\nb\n");
  auto o = f.send("joe@ex.com", "Delivered-To: JOE@ex.com\n\nb\n");
  CHECK(o.dsn == "5.4.6");
  CHECK(o.exit_code != kExTempFail);
}

TEST_CASE("deliver: size limit, missing final newline, null sender", "[unit]") {
  Fixture f;
  f.s.message_size_limit = 50;
  CHECK(f.send("joe@ex.com", std::string(60, 'x')).dsn == "5.2.3");
  CHECK(f.send("joe@ex.com", "S: x\n\nno newline", "").delivered());
  auto n = files(f.dir("ex.com/joe/new"));
  REQUIRE(n.size() == 1);
  CHECK(read_file(f.dir("ex.com/joe/new/") + n[0]) == "Return-Path: <>\nS: x\n\nno newline\n");
}

TEST_CASE("deliver: the domain storage cap", "[unit]") {
  Fixture f("");
  f.t.domain_quota = core::table::open_checked("inline:{@small.com=1000}", {}).value();
  std::string msg(300, 'x');
  CHECK(f.send("ann@small.com", msg).delivered());
  CHECK(f.send("bob@small.com", msg).delivered());
  CHECK(f.send("ann@small.com", msg).delivered());
  auto o = f.send("bob@small.com", msg);
  CHECK(o.dsn == "4.2.2");
  CHECK(o.text.find("domain small.com storage limit reached") != std::string::npos);
  CHECK(f.send("joe@ex.com", msg).delivered());  // other domains are not capped
}

TEST_CASE("deliver: a mailbox recount carries deletes into the domain total", "[unit]") {
  Fixture f("inline:{@small.com=100000}");
  f.t.domain_quota = core::table::open_checked("inline:{@small.com=1000}", {}).value();
  std::string msg(300, 'x');
  CHECK(f.send("ann@small.com", msg).delivered());
  CHECK(f.send("ann@small.com", msg).delivered());
  CHECK(f.send("ann@small.com", msg).delivered());
  CHECK(f.send("ann@small.com", msg).dsn == "4.2.2");
  // The owner deletes two messages behind maildirsize's back; a changed
  // limit forces the recount, whose correction reaches the domain total.
  auto n = files(f.dir("small.com/ann/new"));
  REQUIRE(n.size() == 3);
  std::filesystem::remove(f.dir("small.com/ann/new/") + n[0]);
  std::filesystem::remove(f.dir("small.com/ann/new/") + n[1]);
  f.t.quota = core::table::open_checked("inline:{@small.com=100001}", {}).value();
  CHECK(f.send("ann@small.com", msg).delivered());
  CHECK(f.send("ann@small.com", msg).delivered());
  CHECK(f.send("ann@small.com", msg).dsn == "4.2.2");
}

TEST_CASE("deliver: concurrent deliveries keep maildirsize exact and overshoot by at most those in flight",
          "[unit]") {
  Fixture f("inline:{joe@ex.com=20000}");
  const int kProcs = 8, kEach = 10;
  std::string msg(1000, 'y');
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      core::log::set_sink([](core::log::Level, std::string_view) {});
      for (int i = 0; i < kEach; ++i) {
        Report r;
        deliver(f.s, f.t, {"s@x", "joe@ex.com", "joe@ex.com"}, msg, r);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) waitpid(k, nullptr, 0);
  auto n = files(f.dir("ex.com/joe/new"));
  int64_t bytes = 0;
  for (const auto& name : n)
    bytes += static_cast<int64_t>(std::filesystem::file_size(f.dir("ex.com/joe/new/") + name));
  auto m = parse_maildirsize(read_file(f.dir("ex.com/joe/maildirsize")));
  CHECK(m.usage.bytes == bytes);
  CHECK(m.usage.count == static_cast<int64_t>(n.size()));
  int64_t one = static_cast<int64_t>(msg.size() + std::string("Return-Path: <s@x>\n\n").size());
  CHECK(bytes <= 20000 + (kProcs - 1) * one);
  CHECK(bytes + one > 20000);  // it did fill up
}
