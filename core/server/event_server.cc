// event_server.cc - listeners, accept, timers and shutdown on one event_base.
#include "core/server/event_server.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <signal.h>
#include <unistd.h>

#include <mutex>

#include "core/log/log.h"
#include "core/server/listen_socket.h"
#include "core/server/stdio_relay.h"
#include "core/server/stream_connection.h"
#include "core/server/worker_pool.h"

namespace core::server {
namespace {

constexpr auto kRefusalWarningInterval = std::chrono::seconds(60);

// enable_threads - libevent must know about pthreads before any base exists,
// so worker threads may event_active() the loop.
void enable_threads() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (evthread_use_pthreads() != 0) log::fatal("libevent: evthread_use_pthreads failed");
    signal(SIGPIPE, SIG_IGN);  // a client gone mid-reply is an EPIPE, not a dead daemon
  });
}

// refuse - over max_connections: close at once, warn once per burst.
void refuse(Listener* l, int fd) {
  ::close(fd);
  ++l->refused;
  auto now = std::chrono::steady_clock::now();
  if (l->last_refusal_warning != std::chrono::steady_clock::time_point{} &&
      now - l->last_refusal_warning < kRefusalWarningInterval)
    return;
  log::warning("{}: {} connections reached; refused {} client(s); raise {} if this is normal load",
               l->address, l->options.max_connections, l->refused, l->max_connections_param);
  l->last_refusal_warning = now;
  l->refused = 0;
}

// adopt - serve the connected socket FD with L's session factory.
void adopt(event_base* base, Listener* l, int fd, std::string peer) {
  auto conn = std::make_shared<StreamConnection>(l, fd, std::move(peer));
  l->connections.emplace(conn.get(), conn);
  if (!conn->start(base)) conn->abort();
}

}  // namespace

struct EventServer::Timer {
  event* ev = nullptr;
  std::function<void()> fn;
  ~Timer() {
    if (ev != nullptr) event_free(ev);
  }
  static void fire(int, short, void* arg) { static_cast<Timer*>(arg)->fn(); }
};

EventServer::EventServer(std::string name, size_t threads) : name_(std::move(name)) {
  enable_threads();
  base_ = event_base_new();
  if (base_ == nullptr) log::fatal("libevent: cannot create an event base");
  stop_event_ = event_new(base_, -1, 0, on_stop, this);
  workers_ = std::make_unique<WorkerPool>(base_, threads);
}

EventServer::~EventServer() {
  close_listeners();
  relay_.reset();
  timers_.clear();
  workers_->stop(std::chrono::milliseconds(2000));
  workers_.reset();
  event_free(stop_event_);
  event_base_free(base_);
}

// on_accept - wrap the socket in a connection, or refuse it when full.
static void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr* sa, int len, void* arg) {
  auto* l = static_cast<Listener*>(arg);
  if (l->connections.size() >= l->options.max_connections) {
    refuse(l, fd);
    return;
  }
  adopt(evconnlistener_get_base(l->evl), l, fd, peer_name(sa, static_cast<size_t>(len)));
}

// on_accept_error - EMFILE and friends: the pending connection stays in the
// backlog and would fail again at once, so pause accepting for a second.
static void on_accept_error(evconnlistener* evl, void* arg) {
  auto* l = static_cast<Listener*>(arg);
  int err = EVUTIL_SOCKET_ERROR();
  log::warning("{}: accept: {}; pausing new connections for 1s", l->address,
               evutil_socket_error_to_string(err));
  evconnlistener_disable(evl);
  timeval tv{1, 0};
  evtimer_add(l->accept_retry, &tv);
}

static void on_accept_retry(evutil_socket_t, short, void* arg) {
  auto* l = static_cast<Listener*>(arg);
  if (l->evl != nullptr) evconnlistener_enable(l->evl);
}

// listen - bind now; serving starts when run() does.
Status EventServer::listen(const std::string& address, const ListenOptions& options, SessionFactory factory) {
  auto parsed = parse_listen_address(address);
  if (!parsed) return parsed.error();
  if (stdio_) {
    if (!listeners_.empty()) return ok_status();  // -S serves the first service only
    auto l = std::make_unique<Listener>();
    l->address = "stdio";
    l->options = options;
    l->factory = std::move(factory);
    l->max_connections_param = name_ + "_max_connections";
    listeners_.push_back(std::move(l));
    return ok_status();
  }
  auto fds = open_listen_sockets(*parsed, options);
  if (!fds) return config_error(fmt::format("{}: {}", name_, fds.error().text));
  for (int fd : *fds) {
    auto l = std::make_unique<Listener>();
    l->address = parsed->kind == ListenAddress::Kind::Unix ? address : socket_name(fd);
    if (parsed->kind == ListenAddress::Kind::Unix) l->unix_path = parsed->path;
    l->options = options;
    l->factory = factory;
    l->max_connections_param = name_ + "_max_connections";
    l->evl =
        evconnlistener_new(base_, on_accept, l.get(), LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
    if (l->evl == nullptr) {
      ::close(fd);
      return config_error(fmt::format("{}: libevent cannot listen on {}", name_, address));
    }
    evconnlistener_set_error_cb(l->evl, on_accept_error);
    l->accept_retry = evtimer_new(base_, on_accept_retry, l.get());
    log::debug("listening on {}", l->address);
    listeners_.push_back(std::move(l));
  }
  return ok_status();
}

void EventServer::submit(std::function<void()> work, std::function<void()> done) {
  workers_->submit(std::move(work), std::move(done));
}

void EventServer::every(std::chrono::seconds interval, std::function<void()> fn) {
  auto t = std::make_unique<Timer>();
  t->fn = std::move(fn);
  t->ev = event_new(base_, -1, EV_PERSIST, Timer::fire, t.get());
  timeval tv{static_cast<time_t>(interval.count()), 0};
  event_add(t->ev, &tv);
  timers_.push_back(std::move(t));
}

void EventServer::stop() {
  event_active(stop_event_, EV_READ, 0);
}

// on_stop - on the loop thread: tear down everything that keeps the loop alive.
void EventServer::on_stop(int, short, void* arg) {
  auto* s = static_cast<EventServer*>(arg);
  s->close_listeners();
  s->timers_.clear();
  event_base_loopexit(s->base_, nullptr);
}

// serve_stdio - the first listener's session on stdin/stdout; stop when it ends.
Status EventServer::serve_stdio() {
  if (listeners_.empty()) return config_error(fmt::format("{}: -S: the daemon registered no service", name_));
  relay_ = std::make_unique<StdioRelay>();
  auto fd = start_stdio_relay(base_, this, *relay_);
  if (!fd) return fd.error();
  Listener* l = listeners_.front().get();
  if (relay_->in == nullptr) l->on_empty = [this] { stop(); };  // a socket: no relay to drain
  adopt(base_, l, *fd, "stdio");
  return ok_status();
}

void EventServer::run() {
  event_base_dispatch(base_);
}

bool EventServer::stop_workers(std::chrono::milliseconds wait) {
  return workers_->stop(wait);
}

// close_listeners - stop accepting, remove socket files, drop clients.
void EventServer::close_listeners() {
  for (auto& l : listeners_) {
    if (l->evl != nullptr) evconnlistener_free(l->evl);
    l->evl = nullptr;
    if (l->accept_retry != nullptr) event_free(l->accept_retry);
    l->accept_retry = nullptr;
    if (!l->unix_path.empty()) unlink(l->unix_path.c_str());
    auto conns = std::move(l->connections);
    l->connections.clear();
    for (auto& [ptr, conn] : conns) conn->abort();
  }
  listeners_.clear();
}

std::vector<std::string> EventServer::bound_addresses() const {
  std::vector<std::string> out;
  for (const auto& l : listeners_) out.push_back(l->address);
  return out;
}

size_t EventServer::connection_count() const {
  size_t n = 0;
  for (const auto& l : listeners_) n += l->connections.size();
  return n;
}

}  // namespace core::server
