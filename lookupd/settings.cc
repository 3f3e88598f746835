// settings.cc - the parameter table and map opening.
#include "lookupd/settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace lookupd {
namespace {

using core::config::ParamSpec;

constexpr std::array kParamTable = {
    // Socketmap listeners (list). The default puts the socket inside
    // Postfix's queue directory, reachable from chrooted smtpd/cleanup as
    // socketmap:unix:private/vmailkit-lookupd:NAME.
    ParamSpec{"lookupd_listen", "unix:/var/spool/postfix/private/vmailkit-lookupd"},
    // tcp_table listeners, each bound to one map: inet:127.0.0.1:10060=virtual_mailbox.
    ParamSpec{"lookupd_tcp_listen", ""},
    // Maps that get Postfix's address key sequence (user+ext@dom, user@dom, @dom).
    ParamSpec{"lookupd_address_maps", ""},
    // Address maps whose step-2 hits get the unmatched +ext inserted into each result (alias maps).
    ParamSpec{"lookupd_propagate_extension_maps", ""},
    ParamSpec{"lookupd_cache_ttl", "5s"},        // positive answers; 0 = cache off
    ParamSpec{"lookupd_negative_ttl", "2s"},     // "not found" answers; 0 = not cached
    ParamSpec{"lookupd_stale_max", "1h"},        // serve-stale limit while a table fails
    ParamSpec{"lookupd_cache_size", "10000"},    // entries per map (LRU)
    ParamSpec{"lookupd_cache_memory", "64m"},    // bytes per map (keys + values + overhead)
    ParamSpec{"lookupd_stats_interval", "10m"},  // counter log line; 0 = off
    // Timeout of socketmap: and tcp: client tables (core/proto/client_socket.h).
    ParamSpec{"table_client_timeout", "10s"},
    // Postfix's own parameters, same meaning and defaults as in main.cf.
    ParamSpec{"recipient_delimiter", ""},
    ParamSpec{"owner_request_special", "yes"},
    ParamSpec{"double_bounce_sender", "double-bounce"},
};

constexpr std::array<std::string_view, 3> kPrefixTable = {"lookupd_map_", "lookupd_cache_ttl_",
                                                          "lookupd_negative_ttl_"};

constexpr std::string_view kMapPrefix = "lookupd_map_";

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// map_cache_options - the global cache options with NAME's TTL overrides.
core::Result<Cache::Options> map_cache_options(const core::config::Config& c, const std::string& name,
                                               Cache::Options o) {
  std::string ttl = fmt::format("lookupd_cache_ttl_{}", name);
  std::string neg = fmt::format("lookupd_negative_ttl_{}", name);
  if (c.has(ttl)) {
    auto t = c.get_time(ttl);
    if (!t) return t.error();
    o.ttl = *t;
  }
  if (c.has(neg)) {
    auto t = c.get_time(neg);
    if (!t) return t.error();
    o.negative_ttl = *t;
  }
  return o;
}

}  // namespace

const std::span<const ParamSpec> kParams = kParamTable;
const std::span<const std::string_view> kParamPrefixes = kPrefixTable;

// load_settings - read and check every parameter of kParams.
core::Result<Settings> load_settings(const core::config::Config& c) {
  Settings s;
  s.listen = c.get_list("lookupd_listen");
  for (const auto& item : c.get_list("lookupd_tcp_listen")) {
    size_t eq = item.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return core::config_error(fmt::format(
          "lookupd_tcp_listen: \"{}\": expected inet:host:port=mapname", item));
    s.tcp_listen.push_back({item.substr(0, eq), item.substr(eq + 1)});
  }
  s.address_maps = c.get_list("lookupd_address_maps");
  s.propagate_maps = c.get_list("lookupd_propagate_extension_maps");
  s.address.delimiters = c.get("recipient_delimiter");
  auto ors = c.get_bool("owner_request_special");
  if (!ors) return ors.error();
  s.address.owner_request_special = *ors;
  s.address.double_bounce = c.get("double_bounce_sender");
  for (auto [name, field] : {std::pair{"lookupd_cache_ttl", &s.cache.ttl},
                             std::pair{"lookupd_negative_ttl", &s.cache.negative_ttl},
                             std::pair{"lookupd_stale_max", &s.cache.stale_max},
                             std::pair{"lookupd_stats_interval", &s.stats_interval}}) {
    auto t = c.get_time(name);
    if (!t) return t.error();
    *field = *t;
  }
  auto size = c.get_int("lookupd_cache_size", 0, 100000000);
  if (!size) return size.error();
  s.cache.max_entries = static_cast<size_t>(*size);
  auto memory = c.get_size("lookupd_cache_memory");
  if (!memory) return memory.error();
  s.cache.max_bytes = static_cast<size_t>(*memory);
  return s;
}

// open_maps - open each map's table list; unknown names in other parameters are errors.
core::Result<std::shared_ptr<const MapSet>> open_maps(const core::config::Config& c,
                                                      const Settings& s) {
  auto maps = std::make_shared<MapSet>();
  core::table::OpenContext ctx{&c};
  for (const auto& param : c.names_with_prefix(kMapPrefix)) {
    std::string name = param.substr(kMapPrefix.size());
    if (name == kStatsMap || name.find_first_of(": \t") != std::string::npos)
      return core::config_error(fmt::format("{}: map name \"{}\" is reserved or contains ':' or space",
                                            param, name));
    auto m = std::make_shared<Map>();
    m->name = name;
    m->spec = c.get(param);
    auto list = core::table::open_list(m->spec, ctx);
    if (!list) return core::config_error(fmt::format("{}: {}", param, list.error().text));
    if ((*list)->tables().empty())
      return core::config_error(fmt::format("{}: no tables given", param));
    m->table = std::move(list.value());
    m->table->set_name(fmt::format("{} ({})", name, m->spec));
    m->address = contains(s.address_maps, name);
    m->propagate = contains(s.propagate_maps, name);
    auto opts = map_cache_options(c, name, s.cache);
    if (!opts) return opts.error();
    m->cache = *opts;
    maps->emplace(name, std::move(m));
  }
  auto check = [&](std::string_view param, const std::string& name) -> core::Status {
    if (maps->count(name) == 0)
      return core::config_error(fmt::format("{}: unknown map \"{}\" (define lookupd_map_{})",
                                            std::string(param), name, name));
    return core::ok_status();
  };
  for (const auto& n : s.address_maps)
    if (auto st = check("lookupd_address_maps", n); !st) return st.error();
  for (const auto& n : s.propagate_maps) {
    if (auto st = check("lookupd_propagate_extension_maps", n); !st) return st.error();
    if (!contains(s.address_maps, n))
      return core::config_error(fmt::format(
          "lookupd_propagate_extension_maps: map \"{}\" is not in lookupd_address_maps", n));
  }
  for (const auto& t : s.tcp_listen)
    if (auto st = check("lookupd_tcp_listen", t.map); !st) return st.error();
  return std::shared_ptr<const MapSet>(std::move(maps));
}

}  // namespace lookupd
