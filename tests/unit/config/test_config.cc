// test_config.cc - main.cf syntax, overrides, expansion and typed readers.
#include <catch2/catch.hpp>

#include "core/config/config.h"

using core::config::Config;

TEST_CASE("config parses names, comments and continuation lines", "[unit]") {
  auto c = Config::parse(
      "# comment\n"
      "a = 1\n"
      "list = x,\n"
      "   y\n"
      "  # a comment inside does not end the value\n"
      "   z\n"
      "empty =\n"
      "a = 2\n",
      "t.cf");
  REQUIRE(c);
  CHECK(c->get("a") == "2");
  CHECK(c->get("list") == "x, y z");
  CHECK(c->get_list("list") == std::vector<std::string>{"x", "y", "z"});
  CHECK(c->get("empty").empty());
  CHECK(c->has("empty"));
  CHECK(!c->has("missing"));
  CHECK(c->where("a") == "t.cf:8");
}

TEST_CASE("config errors name file and line", "[unit]") {
  auto c = Config::parse("ok = 1\nthis line has no equals\n", "/etc/x/vmailkit.cf");
  REQUIRE(!c);
  CHECK(c.error().text.find("/etc/x/vmailkit.cf:2:") == 0);
  auto d = Config::parse("  leading = 1\n", "f");
  REQUIRE(!d);
  CHECK(d.error().text.find("f:1:") == 0);
}

TEST_CASE("config expands $name, ${name}, $(name) and conditionals", "[unit]") {
  auto c = Config::parse(
      "base = /var/mail\n"
      "a = $base/a\n"
      "b = ${base}/b $(base)\n"
      "c = ${base?set} ${nothing?set} ${nothing:unset} ${base:unset}\n"
      "d = $$literal\n"
      "loop = $loop\n",
      "t");
  REQUIRE(c);
  CHECK(c->get("a") == "/var/mail/a");
  CHECK(c->get("b") == "/var/mail/b /var/mail");
  CHECK(c->get("c") == "set  unset ");
  CHECK(c->get("d") == "$literal");
  CHECK(c->get_literal("a") == "$base/a");
  (void)c->get("loop");  // must terminate
}

TEST_CASE("config overrides and defaults", "[unit]") {
  auto c = Config::parse("x = 1\n", "t");
  REQUIRE(c);
  static const core::config::ParamSpec specs[] = {{"x", "0"}, {"y", "$x-y"}};
  c->add_defaults(specs);
  CHECK(c->get("y") == "1-y");
  REQUIRE(c->apply_override("x=5"));
  CHECK(c->get("y") == "5-y");
  CHECK(!c->apply_override("novalue"));
  c->set("lookupd_map_x", "static:1");
  c->set("typo_param", "1");
  static const std::string_view prefixes[] = {"lookupd_map_"};
  CHECK(c->unknown_names(specs, prefixes) == std::vector<std::string>{"typo_param"});
}

TEST_CASE("config typed readers", "[unit]") {
  auto c = Config::parse("t1 = 30\nt2 = 5m\nt3 = 1h\nbad = 5x\nb1 = yes\nb2 = No\nb3 = maybe\n"
                         "s1 = 64k\nn = 12\n", "t");
  REQUIRE(c);
  CHECK(c->get_time("t1")->count() == 30);
  CHECK(c->get_time("t2")->count() == 300);
  CHECK(c->get_time("t3")->count() == 3600);
  CHECK(!c->get_time("bad"));
  CHECK(*c->get_bool("b1"));
  CHECK(!*c->get_bool("b2"));
  CHECK(!c->get_bool("b3"));
  CHECK(*c->get_size("s1") == 65536);
  CHECK(*c->get_int("n", 0, 100) == 12);
  CHECK(!c->get_int("n", 0, 10));
  CHECK(!c->get_int("b1", 0, 10));
}
