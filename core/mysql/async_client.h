// async_client.h - non-blocking MySQL queries on a libevent loop.
//
// AsyncClient runs a mysql: table's queries inside an event loop with
// MariaDB Connector/C's non-blocking API (MYSQL_OPT_NONBLOCK, *_start /
// *_cont), so lookupd answers a cache miss without a worker thread. It keeps
// its own bounded set of sessions (max_connections, e.g. 32); requests wait
// in a FIFO queue while all are busy. Host choice, failover and back-off
// are the blocking Client's (client.h): the same HostState is consulted and
// updated through Client::choose_host/host_failed/host_ok, so both paths
// agree on which hosts are down. Sessions are opened with the same options
// (prepare_handle) and answers read with the same code (append_rows).
//
// Ownership: the AsyncClient borrows CLIENT and LOOP; both must outlive it.
// Destroying it closes its sessions and drops queued requests unanswered
// (the owner keeps it alive while lookups are in flight).
// Threading: loop thread only (query() and every DONE call).
// Errors: every failure is a core::retry_error, as Client::query's.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/mysql/client.h"

struct event_base;

namespace core::mysql {

class AsyncClient {
 public:
  using Done = std::function<void(Result<QueryResult>)>;

  AsyncClient(Client& client, event_base* loop, unsigned max_connections);
  ~AsyncClient();
  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  // query - run the SQL BUILD makes (with the chosen session's escaper); DONE
  // gets the rows or a Retry error from the loop (before query() returns
  // when no host is usable).
  void query(QueryBuilder build, Done done);

  // close_idle - close sessions idle for the client's idle_interval (also
  // done whenever a query is dispatched; a daemon calls this from a timer
  // so an unused table does not hold connections forever).
  void close_idle();

  // open_sessions - sessions currently open (busy or idle), for tests.
  size_t open_sessions() const { return conns_.size(); }

  struct Conn;  // one non-blocking session (async_client.cc)

 private:
  struct Request {
    QueryBuilder build;
    Done done;
    std::vector<bool> tried;
    std::string last_error;
    bool stale_retry_done = false;
    int attempts = 0;
  };
  using Clock = std::chrono::steady_clock;

  void dispatch();
  void start_connect(Conn* c);
  void start_query(Conn* c);
  void advance(Conn* c, int status);
  void wait(Conn* c, int status);
  void finish_ok(Conn* c);
  void finish_error(Conn* c, const std::string& text, bool lost, bool connecting);
  void retry(Request r);
  void release(Conn* c);
  void close(Conn* c);
  void close_idle_on(size_t host);
  static void on_event(int fd, short what, void* arg);

  Client& client_;
  event_base* loop_;
  unsigned max_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::deque<Request> queue_;
  bool dispatching_ = false;
  std::shared_ptr<bool> alive_;  // false once destroyed (a DONE may destroy us)
};

}  // namespace core::mysql
