// service.cc - init/reload for run_daemon.
#include "policyd/service.h"

#include "core/log/log.h"
#include "policyd/checks.h"
#include "policyd/session.h"
#include "policyd/settings.h"
#include "policyd/table_cache.h"

namespace policyd {
namespace {

struct State {
  std::unique_ptr<Engine> engine;
  std::vector<std::string> listen;  // as bound at startup
};
// Never destroyed: worker jobs still queued at exit may refer to it.
State& state = *new State;

std::string names(const CheckList& checks) {
  std::string out;
  for (const auto& c : checks) {
    if (!out.empty()) out += ' ';
    out += c->name();
  }
  return out.empty() ? "none" : out;
}

}  // namespace

// open_checks - one TableCache per build, so a reload re-opens every table.
core::Result<std::shared_ptr<const CheckList>> open_checks(const core::config::Config& config) {
  auto settings = load_settings(config);
  if (!settings) return settings.error();
  auto cache = std::make_shared<TableCache>(
      &config, CachedTable::Options{settings->cache_ttl, settings->negative_ttl, settings->cache_size});
  CheckContext ctx;
  ctx.config = &config;
  ctx.open_tables = [cache](std::string_view specs) { return cache->open(specs); };
  auto checks = build_checks(ctx);
  if (!checks) return checks.error();
  return std::shared_ptr<const CheckList>(std::make_shared<CheckList>(std::move(*checks)));
}

// init - checks first (a bad parameter fails before anything is bound), then listeners.
core::Status init(core::server::Server& server, const core::config::Config& config) {
  auto settings = load_settings(config);
  if (!settings) return settings.error();
  auto checks = open_checks(config);
  if (!checks) return checks.error();
  state.engine = std::make_unique<Engine>([&server](auto work, auto done) {
    server.submit(std::move(work), std::move(done));
  });
  state.engine->set_checks(*checks);
  state.listen = settings->listen;
  auto opts = server.listen_options();
  Engine& engine = *state.engine;
  for (const auto& address : settings->listen) {
    size_t max = opts.max_input;
    auto st = server.listen(address, opts, [&engine, max](const auto&) {
      return std::make_unique<PolicySession>(engine, max);
    });
    if (!st) return st.error();
  }
  core::log::info("started: checks: {}; listeners: {}", names(**checks), config.get("policyd_listen"));
  return core::ok_status();
}

// reload - new tables and checks; requests in flight finish on the old ones.
core::Status reload(core::server::Server&, const core::config::Config& config) {
  auto settings = load_settings(config);
  if (!settings) return settings.error();
  if (settings->listen != state.listen)
    core::log::warning("reload: policyd_listen changes take effect after a restart");
  auto checks = open_checks(config);
  if (!checks) return checks.error();
  state.engine->set_checks(*checks);
  core::log::info("reloaded: checks: {}", names(**checks));
  return core::ok_status();
}

std::string stats() { return state.engine ? state.engine->summary() : ""; }

}  // namespace policyd
