// test_quota.cc - limit resolution, recount, the Maildir++ recount triggers.
#include <sys/time.h>

#include <catch2/catch.hpp>

#include "core/table/table.h"
#include "tests/unit/vdelivery/temp_maildir.h"
#include "vdelivery/maildir.h"
#include "vdelivery/quota.h"

using namespace vdelivery;
using namespace vdelivery_test;

namespace {
std::unique_ptr<core::table::Table> table(std::string spec) {
  auto t = core::table::open_checked(spec, {});
  REQUIRE(t);
  return std::move(*t);
}
void add_msg(const std::string& dir, const std::string& name, size_t size) {
  write_file(dir + "/" + name, std::string(size, 'x'));
}
}  // namespace

TEST_CASE("quota: limit from the address, then @domain, then the default", "[unit]") {
  auto maps = table("inline:{joe@ex.com=1000, neg@ex.com=-1, zero@ex.com=0, @ex.com=5000, c@ex.com=7C}");
  struct Case {
    std::string addr;
    QuotaSpec want;
  };
  std::vector<Case> cases{
      {"joe@ex.com", {1000, 0}},   {"zero@ex.com", {0, 0}}, {"neg@ex.com", {77, 0}},
      {"other@ex.com", {5000, 0}}, {"c@ex.com", {0, 7}},
  };
  for (const auto& c : cases) {
    INFO(c.addr);
    auto got = resolve_limit(maps.get(), c.addr, "ex.com", 77);
    REQUIRE(got);
    CHECK(*got == c.want);
  }
  auto none = resolve_limit(nullptr, "a@b", "b", 42);
  REQUIRE(none);
  CHECK(none->bytes == 42);
  auto other = resolve_limit(maps.get(), "a@other.org", "other.org", 0);
  REQUIRE(other);
  CHECK(other->unlimited());
}

TEST_CASE("quota: a lookup error is an error, never 'no quota'", "[unit]") {
  core::table::FailTable fail(core::retry_error("db down"));
  auto got = resolve_limit(&fail, "a@b", "b", 0);
  REQUIRE_FALSE(got);
  CHECK(got.error().retry());
  auto bad = table("inline:{a@b=lots}");
  auto g2 = resolve_limit(bad.get(), "a@b", "b", 0);
  REQUIRE_FALSE(g2);
  CHECK_FALSE(g2.error().retry());
}

TEST_CASE("quota: recount counts new/ and cur/ of INBOX and folders, S= or stat", "[unit]") {
  TempDir tmp;
  std::string r = tmp.path();
  REQUIRE_FALSE(ensure_maildir(r, false));
  add_msg(r + "/new", "1.M1P1.h,S=100", 5);   // S= wins over the real size
  add_msg(r + "/cur", "2.M1P1.h:2,S", 30);    // no S=: stat
  add_msg(r + "/tmp", "3.M1P1.h,S=1000", 1);  // tmp/ never counts
  add_msg(r + "/.Lists/cur", "4.M1P1.h,S=7:2,", 1);
  add_msg(r + "/.Trash/cur", "5.M1P1.h,S=50:2,T", 1);
  add_msg(r + "/new", ".hidden", 9);
  QuotaOptions o;
  auto u = recount_usage(r, o);
  REQUIRE(u);
  CHECK(*u == Usage{137, 3});
  o.trash_count = true;
  CHECK(*recount_usage(r, o) == Usage{187, 4});
  o.inbox_only = true;
  CHECK(*recount_usage(r, o) == Usage{130, 2});
}

TEST_CASE("quota: check_quota and append follow the Maildir++ rules", "[unit]") {
  TempDir tmp;
  std::string r = tmp.path();
  REQUIRE_FALSE(ensure_maildir(r, false));
  add_msg(r + "/new", "1.M1P1.h,S=400", 1);
  QuotaOptions o;
  QuotaSpec limit{1000, 0};

  SECTION("missing file: recount and write it") {
    auto c = check_quota(r, limit, 100, o);
    REQUIRE(c);
    CHECK(c->recounted);
    CHECK_FALSE(c->over);
    CHECK(c->usage == Usage{400, 1});
    CHECK(read_file(r + "/maildirsize") == "1000S\n400 1\n");
    REQUIRE(append_usage(r, 100, 1));
    CHECK(read_file(r + "/maildirsize") == "1000S\n400 1\n100 1\n");
    auto again = check_quota(r, limit, 100, o);
    REQUIRE(again);
    CHECK_FALSE(again->recounted);  // under quota: the file is believed
    CHECK(again->usage == Usage{500, 2});
  }
  SECTION("a different limit in the file forces a recount with the new limit") {
    write_file(r + "/maildirsize", "5000S\n400 1\n");
    auto c = check_quota(r, limit, 1, o);
    REQUIRE(c);
    CHECK(c->recounted);
    CHECK(read_file(r + "/maildirsize") == "1000S\n400 1\n");
  }
  SECTION("over quota by a many-line file: recount, which may clear it") {
    write_file(r + "/maildirsize", "1000S\n400 1\n500 1\n");  // the 500 was deleted meanwhile
    auto c = check_quota(r, limit, 300, o);
    REQUIRE(c);
    CHECK(c->recounted);
    CHECK_FALSE(c->over);
    CHECK(c->usage == Usage{400, 1});
  }
  SECTION("over quota by a fresh one-line file: believed without a scan") {
    write_file(r + "/maildirsize", "1000S\n900 3\n");
    auto c = check_quota(r, limit, 200, o);
    REQUIRE(c);
    CHECK(c->over);
    CHECK_FALSE(c->recounted);
  }
  SECTION("over quota by an old one-line file: recount") {
    write_file(r + "/maildirsize", "1000S\n900 3\n");
    struct timeval old[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
    REQUIRE(utimes((r + "/maildirsize").c_str(), old) == 0);
    auto c = check_quota(r, limit, 200, o);
    REQUIRE(c);
    CHECK(c->recounted);
    CHECK_FALSE(c->over);
  }
  SECTION("a file past 5120 bytes is recalculated") {
    std::string text = "1000S\n";
    while (text.size() < 5200) text += "1 1\n";
    write_file(r + "/maildirsize", text);
    auto c = check_quota(r, limit, 1, o);
    REQUIRE(c);
    CHECK(c->recounted);
    CHECK(read_file(r + "/maildirsize") == "1000S\n400 1\n");
  }
  SECTION("count limit") {
    auto c = check_quota(r, {0, 1}, 1, o);
    REQUIRE(c);
    CHECK(c->over);
  }
  SECTION("append without a maildirsize does nothing") {
    REQUIRE(append_usage(r, 1, 1));
    CHECK_FALSE(std::filesystem::exists(r + "/maildirsize"));
  }
}
