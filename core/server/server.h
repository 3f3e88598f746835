// server.h - the one libevent server skeleton every vmailkit daemon runs on.
//
// run_daemon() owns option parsing (-c DIR, -o name=value, -v, -S, -h),
// config loading (unknown parameters are warned about), logging setup
// (maillog_file), the event loop, SIGTERM/SIGINT (clean stop), SIGHUP
// (reload), SIGUSR1 and the optional privilege drop after binding
// (<daemon>_user). A daemon only supplies its parameter table and an init
// function that binds listeners and opens its tables. -S serves one client
// on stdin/stdout with the first listen()'s session instead of binding
// (Postfix spawn(8), tests). Startup errors: one "fatal: " line on stderr
// and in the log, exit status 1. The parts without an event loop (options,
// config, logging) are in program.h for commands such as vdelivery;
// EventServer (event_server.h) is the Server on its own, for tests.
//
// Threading: all Connection, Session and Server calls happen on the loop
// thread, except Server::submit()'s WORK function, which runs on a worker
// thread (for blocking table lookups); its DONE function runs back on the
// loop thread. Connections are shared_ptr-owned; keep a weak_ptr across
// submit() and check it in DONE (the client may have gone).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/config/config.h"

struct event_base;

namespace core::server {

class Connection;

// A protocol handler, one per accepted client, owned by its Connection.
class Session {
 public:
  virtual ~Session() = default;
  // on_input - INPUT holds every unread byte; return how many were consumed
  // (0 = need more). Called again while bytes remain and input is not paused.
  virtual size_t on_input(const std::shared_ptr<Connection>& conn, std::string_view input) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void write(std::string_view bytes) = 0;
  // close - after pending output is flushed. The Session may be destroyed
  // as soon as the connection is finished; touch nothing of it afterwards.
  virtual void close() = 0;
  // pause_input/resume_input - stop parsing while a reply is being computed
  // (socketmap and tcp_table are strict request/reply lockstep).
  virtual void pause_input() = 0;
  virtual void resume_input() = 0;
  virtual bool closed() const = 0;
  // peer - "127.0.0.1:40000", "unix", for logs.
  virtual const std::string& peer() const = 0;
  // listener - the address of the listener that accepted it ("inet:127.0.0.1:10060").
  virtual const std::string& listener() const = 0;
};

using SessionFactory = std::function<std::unique_ptr<Session>(const std::shared_ptr<Connection>&)>;

// Limits and socket settings for one listener; defaults come from the
// daemon's parameters (<daemon>_idle_timeout, ...), see ListenerParams.
struct ListenOptions {
  size_t max_input = 65536;                // unconsumed input above this closes the client
  std::chrono::seconds idle_timeout{300};  // no complete request for this long closes it
  size_t max_connections = 1000;           // per listener; more are accepted and closed
  std::string unix_owner;                  // unix sockets: chown after bind ("" = unchanged)
  std::string unix_group;
  mode_t unix_mode = 0666;
};

class Server {
 public:
  virtual ~Server() = default;
  // listen - bind ADDRESS ("unix:/path" or "inet:host:port", IPv6 as
  // inet:[::1]:port) and serve each client with a FACTORY session.
  virtual Status listen(const std::string& address, const ListenOptions& options, SessionFactory factory) = 0;
  // submit - run WORK on a worker thread, then DONE on the loop thread.
  virtual void submit(std::function<void()> work, std::function<void()> done) = 0;
  // every - call FN on the loop thread every INTERVAL.
  virtual void every(std::chrono::seconds interval, std::function<void()> fn) = 0;
  // listen_options - ListenOptions filled from the daemon's <name>_* parameters
  // (as of the last successful load/reload; a listener keeps the options it
  // was created with).
  virtual ListenOptions listen_options() const = 0;
  virtual event_base* base() = 0;
  virtual void stop() = 0;
};

struct DaemonSpec {
  std::string_view name;                             // "lookupd": log tag vmailkit/lookupd, parameter prefix
  std::span<const config::ParamSpec> params;         // the daemon's own parameters and defaults
  std::span<const std::string_view> param_prefixes;  // dynamic names such as "lookupd_map_"
  // init - bind listeners and open tables (still privileged). An Error here
  // is a one-line fatal message and exit status 1. Every Config passed to
  // init/reload stays valid until run_daemon returns.
  std::function<Status(Server&, const config::Config&)> init;
  // reload - SIGHUP with a freshly loaded config (listeners stay bound).
  std::function<Status(Server&, const config::Config&)> reload;
  // on_usr1 - SIGUSR1, e.g. log counters now.
  std::function<void()> on_usr1;
  // shutdown - once the loop has ended and the workers have stopped (and
  // also when init failed), before the event_base is freed: release what is
  // bound to the loop, e.g. tables with non-blocking database sessions, so
  // they close cleanly. Not called when a worker did not stop in time (the
  // process then exits at once).
  std::function<void()> shutdown = nullptr;
  size_t worker_threads = 4;  // submit() pool size (0 counts as 1)
};

// run_daemon - the whole life of a daemon; returns the process exit status.
int run_daemon(int argc, char** argv, const DaemonSpec& spec);

// Parameters every daemon has (merged with DaemonSpec::params by run_daemon):
// maillog_file, <name>_user, <name>_idle_timeout, <name>_max_connections,
// <name>_max_request_size, <name>_socket_owner, <name>_socket_group,
// <name>_socket_mode (defaults and meaning in params.h). The returned
// string_views stay valid for the life of the process.
std::vector<config::ParamSpec> common_params(std::string_view daemon_name);

}  // namespace core::server
