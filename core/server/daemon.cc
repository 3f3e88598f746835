// daemon.cc - run_daemon(): options, config, logging, init, privilege drop,
// signals and the event loop, in that order (postfix/src/master/single_server.c).
#include <event2/event.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>

#include "core/log/log.h"
#include "core/server/event_server.h"
#include "core/server/params.h"
#include "core/server/privilege.h"
#include "core/server/program.h"
#include "core/server/server.h"

namespace core::server {
namespace {

// A stuck table lookup must not keep a stopping daemon alive.
constexpr auto kWorkerGrace = std::chrono::milliseconds(1500);

struct Daemon {
  const DaemonSpec& spec;
  Options options;
  std::vector<config::ParamSpec> specs;
  // Every config ever loaded stays alive until exit, so an init/reload
  // function may keep references into it.
  std::deque<std::unique_ptr<config::Config>> configs;
  EventServer* server = nullptr;
  bool log_on_stderr = false;
  int stop_signal = 0;
};

// fatal_line - one "fatal: " line on stderr and in the log; returns status 1.
int fatal_line(const Daemon& d, const std::string& text) {
  if (!d.log_on_stderr)
    std::fprintf(stderr, "%s: fatal: %s\n", std::string(d.spec.name).c_str(), text.c_str());
  log::write(log::Level::Fatal, text);
  return 1;
}

// configure - load the config, then validate the common parameters.
Result<std::unique_ptr<config::Config>> configure(Daemon& d) {
  auto cfg = load_config(d.options, d.specs);
  if (!cfg) return cfg.error();
  return std::make_unique<config::Config>(std::move(*cfg));
}

// reload - SIGHUP: a new config replaces the old only if everything accepts it.
void reload(Daemon& d) {
  auto cfg = configure(d);
  if (!cfg) {
    log::error("reload: {}; keeping the old configuration", cfg.error().text);
    return;
  }
  auto lo = read_listen_options(**cfg, d.spec.name);
  if (!lo) {
    log::error("reload: {}; keeping the old configuration", lo.error().text);
    return;
  }
  if (d.spec.reload) {
    if (auto st = d.spec.reload(*d.server, **cfg); !st) {
      log::error("reload: {}; keeping the old configuration", st.error().text);
      return;
    }
  }
  std::string why;
  std::string file = (*cfg)->get("maillog_file");
  if (!log::set_file(file, &why)) log::error("reload: maillog_file: {}; logging where it did before", why);
  d.log_on_stderr = file == "/dev/stderr";
  warn_unknown(**cfg, d.specs, d.spec.param_prefixes);
  d.server->set_listen_options(*lo);
  d.configs.push_back(std::move(*cfg));
  log::info("configuration {} reloaded", d.options.config_dir);
}

void on_signal(evutil_socket_t sig, short, void* arg) {
  auto* d = static_cast<Daemon*>(arg);
  switch (sig) {
    case SIGHUP: reload(*d); break;
    case SIGUSR1:
      if (d->spec.on_usr1) d->spec.on_usr1();
      break;
    default: d->stop_signal = static_cast<int>(sig); d->server->stop();
  }
}

// SignalEvents - libevent signal events, freed before the base is.
struct SignalEvents {
  std::vector<event*> events;
  SignalEvents(event_base* base, Daemon* d) {
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) {
      event* ev = evsignal_new(base, sig, on_signal, d);
      evsignal_add(ev, nullptr);
      events.push_back(ev);
    }
  }
  ~SignalEvents() {
    for (event* ev : events) event_free(ev);
  }
};

// raise_fd_limit - max_connections is 1000 by default, the soft limit often 1024.
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// ShutdownHook - runs DaemonSpec::shutdown when serve() returns, before the
// EventServer (declared earlier) frees its event_base.
struct ShutdownHook {
  const DaemonSpec& spec;
  ~ShutdownHook() {
    if (spec.shutdown) spec.shutdown();
  }
};

// serve - everything after the config is known.
int serve(Daemon& d) {
  const config::Config& cfg = *d.configs.back();
  auto lo = read_listen_options(cfg, d.spec.name);
  if (!lo) return fatal_line(d, lo.error().text);
  raise_fd_limit();
  EventServer server(std::string(d.spec.name), d.spec.worker_threads);
  server.set_listen_options(*lo);
  server.set_stdio(d.options.stdio);
  d.server = &server;
  SignalEvents signals(server.base(), &d);
  ShutdownHook shutdown{d.spec};
  if (d.spec.init) {
    if (auto st = d.spec.init(server, cfg); !st) return fatal_line(d, st.error().text);
  }
  std::string user = cfg.get(fmt::format("{}_user", d.spec.name));
  if (!user.empty()) {
    if (auto st = drop_privileges(user); !st) return fatal_line(d, st.error().text);
  } else if (geteuid() == 0) {
    log::warning("serving clients as root; set {}_user to an unprivileged user", d.spec.name);
  }
  if (d.options.stdio) {
    if (auto st = server.serve_stdio(); !st) return fatal_line(d, st.error().text);
  }
  log::info("daemon started -- configuration {}", d.options.config_dir);
  server.run();
  if (d.stop_signal != 0)
    log::info("daemon stopping on signal {}", d.stop_signal);
  else
    log::debug("daemon stopping: the stdin client is done");
  if (!server.stop_workers(kWorkerGrace)) {
    // Returning would destroy tables under a running lookup.
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}

}  // namespace

// run_daemon - the whole life of a daemon.
int run_daemon(int argc, char** argv, const DaemonSpec& spec) {
  Daemon d{spec, {}, {}, {}, nullptr, false, 0};
  log::init(spec.name);
  signal(SIGPIPE, SIG_IGN);
  auto opts = parse_options(argc, argv, spec.name);
  if (!opts) return fatal_line(d, opts.error().text);
  if (opts->help) {
    std::printf("%s\n", usage(spec.name).c_str());
    return 0;
  }
  if (!opts->args.empty())
    return fatal_line(d, fmt::format("unexpected argument {}; {}", opts->args[0], usage(spec.name)));
  d.options = std::move(*opts);
  d.specs = common_params(spec.name);
  d.specs.insert(d.specs.end(), spec.params.begin(), spec.params.end());
  auto cfg = configure(d);
  if (!cfg) return fatal_line(d, cfg.error().text);
  if (auto st = setup_logging(spec.name, d.options, **cfg); !st) return fatal_line(d, st.error().text);
  d.log_on_stderr = (*cfg)->get("maillog_file") == "/dev/stderr";
  warn_unknown(**cfg, d.specs, spec.param_prefixes);
  d.configs.push_back(std::move(*cfg));
  return serve(d);
}

}  // namespace core::server
