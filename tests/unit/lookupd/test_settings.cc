// test_settings.cc - parameter defaults, map declarations and their checks.
#include <catch2/catch.hpp>

#include "lookupd/settings.h"

using namespace lookupd;
using namespace std::chrono_literals;

namespace {
core::config::Config config(std::string_view text) {
  auto c = core::config::Config::parse(text, "test.cf");
  REQUIRE(c);
  c->add_defaults(kParams);
  return *c;
}
}  // namespace

TEST_CASE("settings: defaults", "[unit]") {
  auto s = load_settings(config(""));
  REQUIRE(s);
  CHECK(s->listen == std::vector<std::string>{"unix:/var/spool/postfix/private/vmailkit-lookupd"});
  CHECK(s->tcp_listen.empty());
  CHECK(s->cache.ttl == 5s);
  CHECK(s->cache.negative_ttl == 2s);
  CHECK(s->cache.stale_max == 3600s);
  CHECK(s->cache.max_entries == 10000);
  CHECK(s->cache.max_bytes == 64u << 20);
  CHECK(s->stats_interval == 600s);
  CHECK(s->address.delimiters.empty());
  CHECK(s->address.owner_request_special);
  CHECK(s->address.double_bounce == "double-bounce");
}

TEST_CASE("settings: maps, address flags and per-map TTLs", "[unit]") {
  auto c = config(
      "recipient_delimiter = +-\n"
      "lookupd_listen = unix:/tmp/x, inet:127.0.0.1:9100\n"
      "lookupd_tcp_listen = inet:127.0.0.1:10060=valias\n"
      "lookupd_map_valias = inline:{a@x=b@y}, static:fallback\n"
      "lookupd_map_domains = inline:{x=1}\n"
      "lookupd_address_maps = valias\n"
      "lookupd_propagate_extension_maps = valias\n"
      "lookupd_cache_ttl_domains = 1m\n"
      "lookupd_negative_ttl_domains = 0\n");
  auto s = load_settings(c);
  REQUIRE(s);
  CHECK(s->address.delimiters == "+-");
  REQUIRE(s->tcp_listen.size() == 1);
  CHECK(s->tcp_listen[0].address == "inet:127.0.0.1:10060");
  CHECK(s->tcp_listen[0].map == "valias");
  auto maps = open_maps(c, *s);
  REQUIRE(maps);
  REQUIRE((*maps)->size() == 2);
  const auto& valias = *(*maps)->at("valias");
  CHECK(valias.address);
  CHECK(valias.propagate);
  CHECK(valias.cache.ttl == 5s);
  CHECK(valias.table->lookup("a@x")->value() == "b@y");
  CHECK(valias.table->lookup("zz")->value() == "fallback");
  const auto& domains = *(*maps)->at("domains");
  CHECK(!domains.address);
  CHECK(domains.cache.ttl == 60s);
  CHECK(domains.cache.negative_ttl == 0s);
}

TEST_CASE("settings: configuration errors name the parameter", "[unit]") {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      {"lookupd_map_a = nosuch:x\n", "lookupd_map_a: "},
      {"lookupd_map___stats = static:x\n", "reserved"},
      {"lookupd_address_maps = b\n", "lookupd_address_maps: unknown map \"b\""},
      {"lookupd_map_a = static:x\nlookupd_propagate_extension_maps = a\n", "not in lookupd_address_maps"},
      {"lookupd_tcp_listen = inet:127.0.0.1:1=zz\n", "lookupd_tcp_listen: unknown map \"zz\""},
      {"lookupd_tcp_listen = inet:127.0.0.1:1\n", "expected inet:host:port=mapname"},
      {"lookupd_cache_ttl = soon\n", "lookupd_cache_ttl"},
      {"owner_request_special = maybe\n", "owner_request_special"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto cfg = config(c.text);
    auto s = load_settings(cfg);
    std::string err;
    if (!s) {
      err = s.error().text;
    } else {
      auto m = open_maps(cfg, *s);
      REQUIRE(!m);
      err = m.error().text;
    }
    CHECK(err.find(c.want) != std::string::npos);
  }
}
