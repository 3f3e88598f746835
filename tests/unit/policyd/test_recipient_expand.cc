// test_recipient_expand.cc - Postfix's virtual alias expansion order and limits.
#include <catch2/catch.hpp>

#include "core/table/table.h"
#include "policyd/recipient_expand.h"

using namespace policyd;

namespace {
std::unique_ptr<core::table::Table> table(const std::string& spec) {
  auto t = core::table::open_checked(spec, {});
  REQUIRE(t);
  return std::move(*t);
}
}  // namespace

TEST_CASE("recipient_expand: key order and extension propagation", "[unit]") {
  struct Case {
    std::string aliases, in;
    std::vector<std::string> want;
  };
  std::vector<Case> cases{
      // no alias: the address itself, lowercased
      {"inline:{x@y=z@y}", "Joe@Example.COM", {"joe@example.com"}},
      // exact key
      {"inline:{joe@ex.com=box@ex.com}", "joe@ex.com", {"box@ex.com"}},
      // plus address found as user@domain: the extension is propagated
      {"inline:{joe@ex.com=box@ex.com}", "joe+tag@ex.com", {"box+tag@ex.com"}},
      // the full key wins over user@domain, and nothing is propagated
      {"inline:{joe+tag@ex.com=a@ex.com, joe@ex.com=b@ex.com}", "joe+tag@ex.com", {"a@ex.com"}},
      // catch-all only when nothing more specific exists
      {"inline:{@ex.com=catch@ex.com, joe@ex.com=joe@ex.com}", "joe@ex.com", {"joe@ex.com"}},
      {"inline:{@ex.com=catch@ex.com, joe@ex.com=joe@ex.com}", "ann@ex.com", {"catch@ex.com"}},
      // alias domain (Postfix Admin: @alias.com -> @ex.com rows come as user results)
      {"inline:{joe@alias.com=joe@ex.com}", "joe@alias.com", {"joe@ex.com"}},
      // chains and lists, breadth first, duplicates dropped
      {"inline:{a@ex.com=b@ex.com, {b@ex.com=c@ex.com, d@out.org}, c@ex.com=d@out.org}", "a@ex.com",
       {"d@out.org"}},
      {"inline:{{list@ex.com=a@ex.com, b@ex.com, a@ex.com}}", "list@ex.com", {"a@ex.com", "b@ex.com"}},
      // forward and keep a copy: the address stays
      {"inline:{{joe@ex.com=joe@ex.com, joe@gmail.test}}", "joe@ex.com", {"joe@ex.com", "joe@gmail.test"}},
      // a plus address reaching itself through user@domain is final too
      {"inline:{{joe@ex.com=joe@ex.com, x@out.org}}", "joe+t@ex.com", {"joe+t@ex.com", "x+t@out.org"}},
  };
  for (const auto& c : cases) {
    INFO(c.aliases << " " << c.in);
    auto t = table(c.aliases);
    auto e = expand_recipient(t.get(), c.in, "+", {});
    REQUIRE(e);
    CHECK(e->status == Expansion::Status::kOk);
    CHECK(e->addresses == c.want);
  }
}

TEST_CASE("recipient_expand: bare user key is never asked", "[unit]") {
  auto t = table("inline:{joe=box@ex.com}");
  auto e = expand_recipient(t.get(), "joe@ex.com", "+", {});
  REQUIRE(e);
  CHECK(e->addresses == std::vector<std::string>{"joe@ex.com"});
}

TEST_CASE("recipient_expand: loops and oversized lists hit the limits", "[unit]") {
  auto loop = table("inline:{a@ex.com=b@ex.com, b@ex.com=a@ex.com}");
  auto e = expand_recipient(loop.get(), "a@ex.com", "+", {});
  REQUIRE(e);
  CHECK(e->status == Expansion::Status::kTooDeep);
  auto self = table("inline:{a@ex.com=a@ex.com}");
  e = expand_recipient(self.get(), "a@ex.com", "+", {});
  REQUIRE(e);
  CHECK(e->status == Expansion::Status::kOk);
  CHECK(e->addresses == std::vector<std::string>{"a@ex.com"});
  auto wide = table("inline:{{l@ex.com=a@x.org, b@x.org, c@x.org, d@x.org}}");
  e = expand_recipient(wide.get(), "l@ex.com", "+", {10, 3});
  REQUIRE(e);
  CHECK(e->status == Expansion::Status::kTooMany);
  e = expand_recipient(wide.get(), "l@ex.com", "+", {10, 4});
  REQUIRE(e);
  CHECK(e->status == Expansion::Status::kOk);
}

TEST_CASE("recipient_expand: a table error comes back as the error", "[unit]") {
  core::table::FailTable down(core::retry_error("db down"));
  auto e = expand_recipient(&down, "a@ex.com", "+", {});
  REQUIRE(!e);
  CHECK(e.error().retry());
  CHECK(e.error().text == "db down");
}
