// test_mailbox_usage.cc - maildirsize read by the Maildir++ rules, never written.
#include <sys/stat.h>
#include <sys/time.h>

#include <catch2/catch.hpp>

#include "policyd/check.h"
#include "policyd/mailbox_usage.h"
#include "policyd/pipeline.h"
#include "tests/unit/vdelivery/temp_maildir.h"

using namespace policyd;
using vdelivery_test::read_file;
using vdelivery_test::TempDir;
using vdelivery_test::write_file;

namespace {
// age - set PATH's mtime SECONDS into the past.
void age(const std::string& path, int seconds) {
  struct timeval tv[2];
  gettimeofday(&tv[0], nullptr);
  tv[0].tv_sec -= seconds;
  tv[1] = tv[0];
  REQUIRE(utimes(path.c_str(), tv) == 0);
}
}  // namespace

TEST_CASE("mailbox_usage: the file's sum, trust and recount", "[unit]") {
  TempDir tmp;
  std::string root = tmp.path() + "/box";
  std::string ms = root + "/maildirsize";
  core::mailbox::QuotaSpec limit{1000, 0};
  struct Case {
    std::string name, file;
    int age;
    int64_t size;
    std::vector<std::pair<std::string, std::string>> messages;  // dir/name, body
    bool want_over;
  };
  std::vector<Case> cases{
      {"no file: unknown, not refused", "", 0, 1, {}, false},
      {"under quota", "1000S\n500 5\n", 0, 1, {}, false},
      {"exactly full, one more byte is over", "1000S\n1000 5\n", 0, 1, {}, true},
      {"size attribute counts", "1000S\n900 5\n", 0, 101, {}, true},
      {"size attribute fits", "1000S\n900 5\n", 0, 100, {}, false},
      {"unparsable: not refused", "1000S\nxx yy\n", 0, 1, {}, false},
      {"too big to trust: not refused", "1000S\n" + std::string(5200, ' '), 0, 1, {}, false},
      // several lines: over by the file, the recount (empty maildir) says room
      {"untrusted, recount frees", "1000S\n600 1\n600 1\n", 0, 1, {}, false},
      // a stale one-line file: the recount finds the mail still there
      {"stale, recount confirms", "1000S\n1200 1\n", 3600, 1, {{"cur/1.M1P1.h,S=1200:2,S", "x"}}, true},
      {"count limit", "1000S,2C\n10 2\n", 0, 1, {}, true},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root + "/cur");
    std::filesystem::create_directories(root + "/new");
    for (const auto& [name, body] : c.messages) write_file(root + "/" + name, body);
    if (!c.file.empty()) {
      write_file(ms, c.file);
      if (c.age) age(ms, c.age);
    }
    core::mailbox::QuotaSpec l = c.name == "count limit" ? core::mailbox::QuotaSpec{1000, 2} : limit;
    MailboxUsage fresh({});  // no recount cached from an earlier case
    auto r = fresh.over_quota(root, l, c.size);
    REQUIRE(r);
    CHECK(*r == c.want_over);
    if (!c.file.empty()) CHECK(read_file(ms) == c.file);  // never rewritten
  }
}

TEST_CASE("mailbox_usage: a recount is would_block on the loop pass, then cached", "[unit]") {
  TempDir tmp;
  std::string root = tmp.path() + "/box";
  write_file(root + "/cur/1.M1P1.h,S=1200:2,S", "x");
  write_file(root + "/maildirsize", "1000S\n600 1\n600 1\n");
  MailboxUsage usage({});
  {
    BlockingScope loop(false);
    auto r = usage.over_quota(root, {1000, 0}, 1);
    REQUIRE(!r);
    CHECK(is_would_block(r.error()));
  }
  auto r = usage.over_quota(root, {1000, 0}, 1);
  REQUIRE(r);
  CHECK(*r);
  BlockingScope loop(false);  // now cached: answered on the loop pass
  r = usage.over_quota(root, {1000, 0}, 1);
  REQUIRE(r);
  CHECK(*r);
}

TEST_CASE("mailbox_usage: an unreadable maildir is a Retry error", "[unit]") {
  if (geteuid() == 0) {
    // root reads through mode 000; use a path that is not a directory instead.
    TempDir tmp;
    write_file(tmp.path() + "/file", "x");
    MailboxUsage usage({});
    auto r = usage.over_quota(tmp.path() + "/file", {1000, 0}, 1);
    REQUIRE(!r);
    CHECK(r.error().retry());
    CHECK(r.error().text.find("maildirsize") != std::string::npos);
    return;
  }
  TempDir tmp;
  std::string root = tmp.path() + "/box";
  write_file(root + "/maildirsize", "1000S\n10 1\n");
  chmod(root.c_str(), 0);
  MailboxUsage usage({});
  auto r = usage.over_quota(root, {1000, 0}, 1);
  chmod(root.c_str(), 0700);
  REQUIRE(!r);
  CHECK(r.error().retry());
}
