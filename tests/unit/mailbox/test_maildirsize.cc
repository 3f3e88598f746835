// test_maildirsize.cc - maildirsize parse/format and the Maildir++ decisions.
#include <catch2/catch.hpp>

#include "core/mailbox/maildirsize.h"

using namespace core::mailbox;

TEST_CASE("maildirsize: quota line", "[unit]") {
  struct Case {
    std::string in;
    bool want_ok;
    QuotaSpec want;
  };
  std::vector<Case> cases{
      {"10240000S", true, {10240000, 0}},
      {"10240000S,1000C", true, {10240000, 1000}},
      {"1000C", true, {0, 1000}},
      {"0S", true, {0, 0}},
      {"", true, {0, 0}},
      {"1000C,5S", true, {5, 1000}},
      {"10240000", false, {}},
      {"10X", false, {}},
      {"-5S", false, {}},
      {"S", false, {}},
      {"10S,", false, {}},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto got = parse_quota_spec(c.in);
    REQUIRE(got.has_value() == c.want_ok);
    if (got) CHECK(*got == c.want);
  }
  CHECK(format_quota_spec({10240000, 0}) == "10240000S");
  CHECK(format_quota_spec({10240000, 1000}) == "10240000S,1000C");
  CHECK(format_quota_spec({0, 1000}) == "1000C");
  CHECK(format_quota_spec({0, 0}) == "0S");
}

TEST_CASE("maildirsize: usage lines are summed, Courier padding accepted", "[unit]") {
  auto m = parse_maildirsize("52428800S,5000C\n     1048576           17\n4096 1\n2200 1\n-4096 -1\n");
  CHECK_FALSE(m.must_recount);
  CHECK(m.quota == QuotaSpec{52428800, 5000});
  CHECK(m.usage == Usage{1048576 + 2200, 17 + 1});
  CHECK(m.usage_lines == 4);
}

TEST_CASE("maildirsize: what forces a recount", "[unit]") {
  struct Case {
    std::string name, text;
    bool want_recount;
  };
  std::vector<Case> cases{
      {"good", "100S\n10 1\n", false},
      {"no newline at all", "100S", true},
      {"bad quota line", "abc\n10 1\n", true},
      {"garbage usage line", "100S\n10 x\n", true},
      {"three numbers", "100S\n10 1 2\n", true},
      {"negative total", "100S\n10 1\n-20 -2\n", true},
      {"NUL byte", std::string("100S\n10 1\n\0", 11), true},
      {"partial last line", "100S\n10 1\n5", true},
      {"overflowing sum", "100S\n9223372036854775807 1\n1 1\n", true},
      {"at the size limit", "100S\n" + std::string(5120, '1'), true},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(parse_maildirsize(c.text).must_recount == c.want_recount);
  }
}

TEST_CASE("maildirsize: append line and rewritten file", "[unit]") {
  CHECK(format_usage_line(4096, 1) == "4096 1\n");
  CHECK(format_usage_line(-4096, -1) == "-4096 -1\n");
  CHECK(format_maildirsize({1000, 0}, {500, 3}) == "1000S\n500 3\n");
  auto m = parse_maildirsize(format_maildirsize({1000, 7}, {500, 3}) + format_usage_line(20, 1));
  CHECK(m.quota == QuotaSpec{1000, 7});
  CHECK(m.usage == Usage{520, 4});
}

TEST_CASE("maildirsize: over quota is strictly greater, 0 = unlimited", "[unit]") {
  CHECK_FALSE(over_quota({1000, 0}, {900, 5}, 100, 1));
  CHECK(over_quota({1000, 0}, {900, 5}, 101, 1));
  CHECK(over_quota({0, 5}, {0, 5}, 1, 1));
  CHECK_FALSE(over_quota({0, 6}, {0, 5}, 1, 1));
  CHECK_FALSE(over_quota({0, 0}, {1 << 30, 1 << 20}, 1 << 30, 1));
}

TEST_CASE("maildirsize: an over-quota answer is trusted only from a fresh one-line file", "[unit]") {
  auto one = parse_maildirsize("100S\n100 1\n");
  auto two = parse_maildirsize("100S\n50 1\n50 1\n");
  CHECK(trust_over_quota(one, 10));
  CHECK_FALSE(trust_over_quota(one, 900));
  CHECK_FALSE(trust_over_quota(two, 10));
}
