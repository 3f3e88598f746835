// main.cc - lookupd: Postfix socketmap and tcp_table lookup server.
//
// lookupd answers Postfix's socketmap: (lookupd_listen) and tcp:
// (lookupd_tcp_listen) lookups from the tables declared as
// lookupd_map_NAME = TYPE:SPEC, ... (usually mysql:), with a short-lived
// cache, serve-stale during database outages, Postfix's address key
// sequence for lookupd_address_maps, and counters (SIGUSR1, the "__stats"
// map, every lookupd_stats_interval). Parameters: lookupd/settings.cc.
#include <chrono>
#include <memory>

#include "core/log/log.h"
#include "core/proto/netstring.h"
#include "core/server/server.h"
#include "lookupd/resolver.h"
#include "lookupd/sessions.h"
#include "lookupd/settings.h"

namespace {

using core::config::Config;
using core::server::Server;

// How often idle database connections are looked for (each table closes
// those unused for its own idle_interval, mysql: default 60 s).
constexpr std::chrono::seconds kIdleSweep{10};

struct State {
  std::unique_ptr<lookupd::Resolver> resolver;
  lookupd::Settings settings;  // as bound at startup (listeners survive reloads)
};
// mysql: tables bound to the server's event loop hold libevent events, so
// shutdown() below frees them before run_daemon frees the loop; what is
// left for the static destructor holds no loop resources.
State state;

// init - open maps, bind every listener, start the stats timer.
core::Status init(Server& server, const Config& config) {
  auto settings = lookupd::load_settings(config);
  if (!settings) return settings.error();
  auto maps = lookupd::open_maps(config, *settings, server.base());
  if (!maps) return maps.error();
  state.settings = *settings;
  state.resolver = std::make_unique<lookupd::Resolver>(settings->address, [&server](auto work, auto done) {
    server.submit(std::move(work), std::move(done));
  });
  state.resolver->set_maps(*maps, settings->address);
  auto opts = server.listen_options();
  auto& resolver = *state.resolver;
  std::string listeners;
  for (const auto& address : settings->listen) {
    // The whole frame ("<len>:" payload ",") must fit in max_input.
    size_t max = opts.max_input - core::proto::kNetstringMaxPrefix - 2;
    auto st = server.listen(address, opts, [&resolver, max](const auto&) {
      return std::make_unique<lookupd::SocketmapSession>(resolver, max);
    });
    if (!st) return st.error();
    listeners += " socketmap:" + address;
  }
  for (const auto& tcp : settings->tcp_listen) {
    auto st = server.listen(tcp.address, opts, [&resolver, map = tcp.map, max = opts.max_input](const auto&) {
      return std::make_unique<lookupd::TcpSession>(resolver, map, max);
    });
    if (!st) return st.error();
    listeners += " tcp:" + tcp.address + "=" + tcp.map;
  }
  if (listeners.empty()) return core::config_error("no listeners: set lookupd_listen or lookupd_tcp_listen");
  server.every(kIdleSweep, [] {
    for (const auto& [name, map] : state.resolver->maps()) map->table->close_idle();
  });
  if (settings->stats_interval.count() > 0)
    server.every(settings->stats_interval, [] { core::log::info("stats: {}", state.resolver->summary()); });
  std::string names;
  for (const auto& [name, map] : **maps) names += " " + name;
  core::log::info("started: maps:{}; listeners:{}", names.empty() ? " none" : names, listeners);
  return core::ok_status();
}

// reload - reopen the maps; listeners (and the maps tcp listeners serve) stay.
core::Status reload(Server& server, const Config& config) {
  auto settings = lookupd::load_settings(config);
  if (!settings) return settings.error();
  if (settings->listen != state.settings.listen || settings->tcp_listen != state.settings.tcp_listen)
    core::log::warning("reload: lookupd_listen/lookupd_tcp_listen changes take effect after a restart");
  settings->tcp_listen = state.settings.tcp_listen;  // bound at startup: their maps must still exist
  auto maps = lookupd::open_maps(config, *settings, server.base());
  if (!maps) return maps.error();
  state.resolver->set_maps(*maps, settings->address);
  core::log::info("reloaded: {} maps", (*maps)->size());
  return core::ok_status();
}

// shutdown - the loop has ended: close every table's MySQL sessions (COM_QUIT,
// so MariaDB counts no aborted client), then free the tables while the
// event base they are bound to still exists.
void shutdown() {
  if (!state.resolver) return;
  for (const auto& [name, map] : state.resolver->maps()) map->table->shutdown();
  state.resolver.reset();
}

}  // namespace

int main(int argc, char** argv) {
  return core::server::run_daemon(argc, argv,
                                  {
                                      .name = "lookupd",
                                      .params = lookupd::kParams,
                                      .param_prefixes = lookupd::kParamPrefixes,
                                      .init = init,
                                      .reload = reload,
                                      .on_usr1 =
                                          [] {
                                            if (state.resolver)
                                              core::log::info("stats: {}", state.resolver->summary());
                                          },
                                      .shutdown = shutdown,
                                  });
}
