// event_server.h - the libevent implementation of Server, usable on its own
// (tests, tools) or through run_daemon(), which adds options, config,
// signals and the privilege drop.
//
// Lifecycle: construct, listen() (binds at once, so errors show at
// startup), run() on the thread that will be the loop thread, stop() from
// any thread (or a signal handler event) ends run(): listeners are closed
// (unix socket files removed), clients dropped, timers cancelled. Then
// stop_workers() gives running WORK a bounded time to return.
//
// Thread safety: stop() and submit() may be called from any thread; all
// other calls from the loop thread (or before run()).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/server/server.h"

struct event;

namespace core::server {

struct Listener;
class WorkerPool;

class EventServer final : public Server {
 public:
  // EventServer - NAME is the daemon name for messages; THREADS workers.
  EventServer(std::string name, size_t threads);
  ~EventServer() override;
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  Status listen(const std::string& address, const ListenOptions& options, SessionFactory factory) override;
  void submit(std::function<void()> work, std::function<void()> done) override;
  void every(std::chrono::seconds interval, std::function<void()> fn) override;
  ListenOptions listen_options() const override { return options_; }
  event_base* base() override { return base_; }
  void stop() override;

  // set_listen_options - what listen_options() returns (run_daemon fills it from the config).
  void set_listen_options(const ListenOptions& options) { options_ = options; }
  // run - the event loop; returns when stop() was called.
  void run();
  // stop_workers - see WorkerPool::stop; false if some WORK did not return in time.
  bool stop_workers(std::chrono::milliseconds wait);
  // bound_addresses - every listening socket in listen() syntax, with real port numbers.
  std::vector<std::string> bound_addresses() const;
  // connection_count - live clients over all listeners.
  size_t connection_count() const;

 private:
  struct Timer;
  static void on_stop(int fd, short what, void* arg);
  void close_listeners();

  std::string name_;
  event_base* base_;
  event* stop_event_;
  std::unique_ptr<WorkerPool> workers_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<Timer>> timers_;
  ListenOptions options_;
};

}  // namespace core::server
