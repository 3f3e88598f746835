// client.h - a thread-safe MySQL connection pool with Postfix-style failover.
//
// One Client per mysql: table. query() borrows a connection (reusing an idle
// one, opening a new one up to Settings::max_connections, else waiting),
// builds the SQL with that connection's escaper, runs it and returns the
// rows. Host choice follows Postfix 3.7 dict_mysql.c: hosts that already
// have a connection first, UNIX sockets before TCP, random among equals; a
// host that fails (connect error or lost session) is skipped for
// retry_interval and the same query is retried on the next eligible host.
//
// Back-off (deliberately shorter than Postfix's fixed 60 s): a lost pooled
// session is retried at once on a fresh connection (a restarted server
// drops every pooled session); when no host is eligible, hosts whose last
// failure is older than lone_retry (default 2 s) are tried again, so a lone
// host or an all-down cluster recovers within seconds instead of a minute.
// Idle connections older than idle_interval are closed on the next use of
// the pool (and by close_idle(), which a daemon may call from a timer).
//
// Errors: every failure is core::retry_error naming the table, host and
// server message; each distinct problem is logged once via log::warning
// (again only after the host recovered). SQL errors from the server do not
// mark the host down. Thread-safe; query() blocks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/mysql/connection.h"

namespace core::mysql {

using Escaper = std::function<std::string(std::string_view)>;
// Builds the SQL for one attempt with the chosen connection's escaper.
using QueryBuilder = std::function<std::string(const Escaper&)>;

class Client {
 public:
  // LABEL prefixes log lines and errors, e.g. "mysql:/etc/postfix/x.cf".
  Client(std::string label, Settings settings);
  ~Client();

  // query - run the SQL BUILD makes; Retry errors only.
  Result<QueryResult> query(const QueryBuilder& build);
  // close_idle - close connections unused for idle_interval.
  void close_idle();
  // close_all_idle - close every idle connection now (shutdown).
  void close_all_idle();

  const Settings& settings() const { return settings_; }
  const std::string& label() const { return label_; }

  // Host state shared with AsyncClient (async_client.h), so the non-blocking
  // path follows the same host choice, failover and back-off rules.
  // choose_host - pick_host() under the lock; -1 when no host is eligible.
  int choose_host(const std::vector<bool>& tried);
  // host_usable - HOST is not inside its retry_interval.
  bool host_usable(size_t host);
  // no_host_error - "no usable mysql server: <last logged problem>".
  Error no_host_error();
  void host_failed(size_t host, const std::string& why, bool lost_session);
  void host_ok(size_t host);
  void log_once(const std::string& text);

 private:
  struct HostState {
    std::chrono::steady_clock::time_point down_until{};
    std::chrono::steady_clock::time_point last_failure{};
    bool failed = false;
    std::string logged;  // last problem logged for this host
  };
  using Clock = std::chrono::steady_clock;

  Result<std::unique_ptr<Connection>> acquire(std::vector<bool>& tried);
  void release(std::unique_ptr<Connection> conn);
  int pick_host(const std::vector<bool>& tried, Clock::time_point now);
  void prune_idle_locked(Clock::time_point now);
  Error no_host_error_locked();

  std::string label_;
  Settings settings_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<HostState> state_;
  std::vector<std::unique_ptr<Connection>> idle_;
  unsigned open_ = 0;  // connections in idle_ plus borrowed ones
  std::string logged_query_error_;
  std::mt19937 rng_;
};

}  // namespace core::mysql
