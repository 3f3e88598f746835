// test_rate_settings.cc - policyd_rate_* parameters and the limit value syntax.
#include <catch2/catch.hpp>

#include "core/config/config.h"
#include "policyd/rate_settings.h"

using policyd::parse_limit;
using policyd::RateLimitValue;

namespace {

core::config::Config config(const std::string& text) {
  auto c = core::config::Config::parse(text, "test.cf");
  REQUIRE(c);
  c->add_defaults(policyd::kRateParams);
  return std::move(*c);
}

}  // namespace

TEST_CASE("rate limit values", "[unit]") {
  struct Case {
    const char* in;
    bool ok;
    long long messages, recipients, window;
  } cases[] = {
      {"100 500 3600", true, 100, 500, 3600},
      {"100 500 1h", true, 100, 500, 3600},
      {"0 20 10m", true, 0, 20, 600},
      {" 5,0 ,2d ", true, 5, 0, 172800},
      {"1 1 1w", true, 1, 1, 604800},
      {"1 1 1s", true, 1, 1, 1},
      {"0 0 1", true, 0, 0, 1},
      {"100 500", false, 0, 0, 0},
      {"100 500 1h 3", false, 0, 0, 0},
      {"-1 500 1h", false, 0, 0, 0},
      {"1 500 0", false, 0, 0, 0},
      {"1 500 1y", false, 0, 0, 0},
      {"x 500 1h", false, 0, 0, 0},
      {"1 500 367d", false, 0, 0, 0},
      {"1000000001 1 1h", false, 0, 0, 0},
      {"", false, 0, 0, 0},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto v = parse_limit(c.in, "mysql:/x.cf key a@b");
    REQUIRE(v.ok() == c.ok);
    if (!c.ok) {
      CHECK(v.error().kind == core::ErrorKind::Config);
      CHECK(v.error().text.find("mysql:/x.cf key a@b") == 0);
      continue;
    }
    CHECK(v->messages == c.messages);
    CHECK(v->recipients == c.recipients);
    CHECK(v->window.count() == c.window);
  }
}

TEST_CASE("rate limit is off by default and needs a database when on", "[unit]") {
  auto off = policyd::load_rate_settings(config(""));
  REQUIRE(off);
  CHECK(!off->enabled);
  CHECK(off->limit_maps.empty());
  CHECK(off->defaults == RateLimitValue{0, 0, std::chrono::seconds(3600)});
  CHECK(!off->hold);

  auto nodb = policyd::load_rate_settings(config("policyd_rate_limit = yes\n"));
  REQUIRE(!nodb);
  CHECK(nodb.error().text.find("policyd_rate_database") != std::string::npos);

  auto on = policyd::load_rate_settings(config(
      "policyd_rate_limit = yes\npolicyd_rate_database = /etc/postfix/vmailkit-rate.cf\n"
      "policyd_rate_default_messages = 50\npolicyd_rate_default_recipients = 200\n"
      "policyd_rate_default_window = 10m\npolicyd_rate_limit_action = hold\n"));
  REQUIRE(on);
  CHECK(on->enabled);
  CHECK(on->database == "/etc/postfix/vmailkit-rate.cf");
  CHECK(on->limit_maps == "mysql:/etc/postfix/vmailkit-rate.cf");  // the default map: same file's query
  CHECK(on->defaults == RateLimitValue{50, 200, std::chrono::seconds(600)});
  CHECK(on->hold);

  auto own = policyd::load_rate_settings(config(
      "policyd_rate_limit = yes\npolicyd_rate_database = /r.cf\npolicyd_rate_limit_maps = inline:{a@b=1 1 1}\n"));
  REQUIRE(own);
  CHECK(own->limit_maps == "inline:{a@b=1 1 1}");
}

TEST_CASE("rate limit parameter errors", "[unit]") {
  for (const char* text : {"policyd_rate_limit = maybe\n", "policyd_rate_limit_action = reject\n",
                           "policyd_rate_default_window = 0\n", "policyd_rate_default_messages = -3\n",
                           "policyd_rate_default_recipients = lots\n"}) {
    INFO(text);
    auto s = policyd::load_rate_settings(config(text));
    REQUIRE(!s);
    CHECK(s.error().kind == core::ErrorKind::Config);
    CHECK(s.error().text.find("policyd_rate_") != std::string::npos);
  }
}
