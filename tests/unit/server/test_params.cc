// test_params.cc - common_params and read_listen_options.
#include <catch2/catch.hpp>

#include "core/server/params.h"

using core::config::Config;

TEST_CASE("common_params names every shared parameter with its default", "[unit]") {
  auto specs = core::server::common_params("xd");
  std::map<std::string, std::string> got;
  for (const auto& s : specs) got[std::string(s.name)] = std::string(s.default_value);
  std::map<std::string, std::string> want = {
      {"maillog_file", ""},           {"xd_user", ""},
      {"xd_idle_timeout", "300s"},    {"xd_max_connections", "1000"},
      {"xd_max_request_size", "64k"}, {"xd_socket_owner", ""},
      {"xd_socket_group", ""},        {"xd_socket_mode", "0666"},
  };
  CHECK(got == want);
  // The names must stay valid: ask again for another daemon, then re-read.
  auto other = core::server::common_params("yd");
  CHECK(specs[1].name == "xd_user");
  CHECK(other[1].name == "yd_user");
}

TEST_CASE("read_listen_options reads defaults and overrides", "[unit]") {
  auto specs = core::server::common_params("xd");
  Config cfg;
  cfg.add_defaults(specs);
  auto d = core::server::read_listen_options(cfg, "xd");
  REQUIRE(d.ok());
  CHECK(d->idle_timeout == std::chrono::seconds(300));
  CHECK(d->max_connections == 1000);
  CHECK(d->max_input == 65536);
  CHECK(d->unix_mode == 0666);
  CHECK(d->unix_owner.empty());

  cfg.set("xd_idle_timeout", "2m");
  cfg.set("xd_max_connections", "5");
  cfg.set("xd_max_request_size", "1k");
  cfg.set("xd_socket_mode", "0660");
  cfg.set("xd_socket_group", "postfix");
  auto o = core::server::read_listen_options(cfg, "xd");
  REQUIRE(o.ok());
  CHECK(o->idle_timeout == std::chrono::seconds(120));
  CHECK(o->max_connections == 5);
  CHECK(o->max_input == 1024);
  CHECK(o->unix_mode == 0660);
  CHECK(o->unix_group == "postfix");
}

TEST_CASE("read_listen_options rejects bad values naming the parameter", "[unit]") {
  struct Case {
    std::string name, value, want;
  };
  std::vector<Case> cases = {
      {"xd_socket_mode", "0999", "xd_socket_mode = 0999: expected an octal mode"},
      {"xd_socket_mode", "rw", "xd_socket_mode = rw"},
      {"xd_idle_timeout", "0", "xd_idle_timeout: must be at least 1s"},
      {"xd_max_connections", "0", "xd_max_connections"},
      {"xd_max_request_size", "10", "xd_max_request_size: must be at least 256 bytes"},
  };
  for (const auto& c : cases) {
    Config cfg;
    cfg.add_defaults(core::server::common_params("xd"));
    cfg.set(c.name, c.value);
    auto got = core::server::read_listen_options(cfg, "xd");
    REQUIRE_FALSE(got.ok());
    CHECK_THAT(got.error().text, Catch::Contains(c.want));
  }
}
