// test_settings.cc - policyd's parameter table, defaults and checks.
#include <catch2/catch.hpp>

#include "policyd/checks.h"
#include "policyd/settings.h"

using namespace policyd;

namespace {

core::config::Config config(std::vector<std::string> overrides = {}) {
  core::config::Config c;
  auto params = all_params();
  c.add_defaults(params);
  for (const auto& o : overrides) REQUIRE(c.apply_override(o));
  return c;
}

}  // namespace

TEST_CASE("settings: documented defaults", "[unit]") {
  auto c = config();
  auto s = load_settings(c);
  REQUIRE(s);
  CHECK(s->listen == std::vector<std::string>{"unix:/var/spool/postfix/private/vmailkit-policyd"});
  CHECK(s->cache_ttl == std::chrono::seconds(10));
  CHECK(s->negative_ttl == std::chrono::seconds(5));
  CHECK(s->cache_size == 100000);
  CHECK(c.get("policyd_mynetworks") == "127.0.0.0/8, [::1]/128");
  CHECK(c.get("policyd_local_domains").empty());
  CHECK(c.get("policyd_sender_login_maps") == "mysql:/etc/postfix/sql/mysql_sender_login_maps.cf");
}

TEST_CASE("settings: bad values are errors naming the parameter", "[unit]") {
  for (const char* o : {"policyd_cache_ttl=ten", "policyd_negative_ttl=-1", "policyd_cache_size=x", "policyd_listen="}) {
    INFO(o);
    auto s = load_settings(config({o}));
    REQUIRE(!s);
    CHECK_THAT(s.error().text, Catch::Contains(std::string(o).substr(0, std::string(o).find('='))));
  }
}

TEST_CASE("settings: checks run relay first, sender login second; sender login can be switched off", "[unit]") {
  auto specs = check_specs();
  REQUIRE(specs.size() >= 2);
  CHECK(specs[0].name == "relay");
  CHECK(specs[1].name == "sender_login");
  auto c = config({"policyd_local_domains=inline:{local.test=1}", "policyd_sender_login_maps="});
  CheckContext ctx;
  ctx.config = &c;
  ctx.open_tables = [&c](std::string_view specs) -> core::Result<std::shared_ptr<core::table::Table>> {
    auto t = core::table::open_list(specs, core::table::OpenContext{&c, nullptr});
    if (!t) return t.error();
    return std::shared_ptr<core::table::Table>(std::move(*t));
  };
  auto checks = build_checks(ctx);
  REQUIRE(checks);
  REQUIRE(checks->size() >= 1);
  CHECK((*checks)[0]->name() == "relay");
  for (const auto& check : *checks) CHECK(check->name() != "sender_login");
}
