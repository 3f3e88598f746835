// test_table.cc - table opening, static:, inline: and table lists.
#include <catch2/catch.hpp>

#include "core/table/table.h"

using namespace core::table;

TEST_CASE("static: answers every key", "[unit]") {
  auto t = open_checked("static:vmail", {});
  REQUIRE(t);
  CHECK((*t)->lookup("anything")->value() == "vmail");
  CHECK((*t)->name() == "static:vmail");
  auto braces = open_checked("static:{text with spaces}", {});
  REQUIRE(braces);
  CHECK((*braces)->lookup("k")->value() == "text with spaces");
}

TEST_CASE("inline: items, braces and errors", "[unit]") {
  auto t = open_checked("inline:{a=1, b=2, { c = x, y }}", {});
  REQUIRE(t);
  CHECK((*t)->lookup("a")->value() == "1");
  CHECK((*t)->lookup("b")->value() == "2");
  CHECK((*t)->lookup("c")->value() == "x, y");
  CHECK(!(*t)->lookup("d")->has_value());
  CHECK(!open_checked("inline:a=1", {}));
  CHECK(!open_checked("inline:{a}", {}));
}

TEST_CASE("unknown types become a FailTable that never says not found", "[unit]") {
  CHECK(!open_checked("nosuch:x", {}));
  CHECK(!open_checked("nocolon", {}));
  auto t = open("nosuch:x", {});
  auto r = t->lookup("k");
  REQUIRE(!r);
  CHECK(r.error().kind == core::ErrorKind::Config);
}

TEST_CASE("table lists: first hit wins, first error stops", "[unit]") {
  auto l = open_list("inline:{a=1}, inline:{a=2, b=3}", {});
  REQUIRE(l);
  CHECK((*l)->lookup("a")->value() == "1");
  CHECK((*l)->lookup("b")->value() == "3");
  CHECK(!(*l)->lookup("c")->has_value());

  std::vector<std::unique_ptr<Table>> ts;
  ts.push_back(std::make_unique<FailTable>(core::retry_error("db down")));
  ts.push_back(open("static:x", {}));
  TableList failing(std::move(ts));
  auto r = failing.lookup("a");
  REQUIRE(!r);
  CHECK(r.error().retry());
}

TEST_CASE("split_specs keeps braces whole", "[unit]") {
  CHECK(split_specs("mysql:/a.cf, inline:{a=1, b=2} static:x") ==
        std::vector<std::string>{"mysql:/a.cf", "inline:{a=1, b=2}", "static:x"});
}
