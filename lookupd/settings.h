// settings.h - lookupd's parameters (one ParamSpec table) and its maps.
//
// Every lookupd parameter, with its default, is one row of kParams
// (settings.cc); load_settings() fills a Settings from a loaded Config and
// open_maps() opens every "lookupd_map_NAME = TYPE:SPEC, ..." as a TableList.
// Per-map cache TTLs may be overridden with lookupd_cache_ttl_NAME and
// lookupd_negative_ttl_NAME.
//
// A MapSet is immutable once built and shared (shared_ptr) between the loop
// thread and worker threads; SIGHUP builds a new one. Table lookups are
// thread-safe (table.h). Errors are Config errors naming the parameter.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/config/config.h"
#include "core/table/table.h"
#include "lookupd/address.h"
#include "core/cache/cache.h"

namespace lookupd {

using core::cache::Cache;  // moved from lookupd/ to core/cache/ for policyd
using core::cache::Clock;

// The socketmap name that answers with the counter summary instead of a table.
inline constexpr std::string_view kStatsMap = "__stats";

extern const std::span<const core::config::ParamSpec> kParams;
extern const std::span<const std::string_view> kParamPrefixes;

struct TcpListen {
  std::string address;  // inet:host:port
  std::string map;      // map name
  bool operator==(const TcpListen&) const = default;
};

struct Settings {
  std::vector<std::string> listen;          // lookupd_listen: socketmap listeners
  std::vector<TcpListen> tcp_listen;        // lookupd_tcp_listen: address=map
  std::vector<std::string> address_maps;    // lookupd_address_maps
  std::vector<std::string> propagate_maps;  // lookupd_propagate_extension_maps
  AddressPolicy address;  // recipient_delimiter, owner_request_special, double_bounce_sender
  Cache::Options cache;   // lookupd_cache_ttl, _negative_ttl, _stale_max, _cache_size, _cache_memory
  std::chrono::seconds stats_interval{600};  // lookupd_stats_interval; 0 = off
};

// One lookupd map: a name Postfix asks for and the tables behind it.
struct Map {
  std::string name;
  std::string spec;  // the lookupd_map_NAME value
  std::unique_ptr<core::table::Table> table;
  bool address = false;    // run the address key sequence (address.h)
  bool propagate = false;  // propagate unmatched extensions into results
  Cache::Options cache;
};

using MapSet = std::map<std::string, std::shared_ptr<const Map>, std::less<>>;

// load_settings - typed parameters; bad values are Config errors.
core::Result<Settings> load_settings(const core::config::Config& config);
// open_maps - every lookupd_map_NAME; checks that listed map names exist.
// LOOP (the daemon's event loop) lets mysql: tables answer asynchronously there.
core::Result<std::shared_ptr<const MapSet>> open_maps(const core::config::Config& config,
                                                      const Settings& settings, event_base* loop = nullptr);

}  // namespace lookupd
