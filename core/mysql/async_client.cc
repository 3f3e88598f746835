// async_client.cc - MariaDB Connector/C non-blocking sessions driven by libevent.
#include "core/mysql/async_client.h"

#include <event2/event.h>
#include <fmt/format.h>
#include <mysql.h>

#include <algorithm>
#include <optional>

namespace core::mysql {
namespace {

constexpr int kMaxAttempts = 100;  // as Client::query (Postfix RETRY_CONN_MAX)

}  // namespace

struct AsyncClient::Conn {
  enum class Step { Connect, Query, Store, Next };
  AsyncClient* owner = nullptr;
  size_t host = 0;
  MYSQL* db = nullptr;
  event* ev = nullptr;
  const char* host_arg = nullptr;
  const char* sock_arg = nullptr;
  Step step = Step::Connect;
  // The event stays armed (EV_PERSIST) while the library keeps waiting for
  // the same thing, so a lookup costs no epoll_ctl calls in steady state.
  bool armed = false;
  bool armed_timeout = false;
  evutil_socket_t armed_fd = -1;
  short armed_what = 0;
  bool busy = false;
  unsigned uses = 0;  // queries answered; > 0 means a pooled (maybe stale) session
  Clock::time_point last_used;
  std::optional<Request> req;
  std::string sql;
  QueryResult res;
  std::string multi_error;
};

AsyncClient::AsyncClient(Client& client, event_base* loop, unsigned max_connections)
    : client_(client), loop_(loop), max_(std::max(1u, max_connections)), alive_(std::make_shared<bool>(true)) {}

AsyncClient::~AsyncClient() {
  *alive_ = false;
  while (!conns_.empty()) close(conns_.back().get());
}

void AsyncClient::query(QueryBuilder build, Done done) {
  Request r;
  r.build = std::move(build);
  r.done = std::move(done);
  r.tried.assign(client_.settings().hosts.size(), false);
  queue_.push_back(std::move(r));
  dispatch();
}

// dispatch - hand queued requests to idle sessions, new sessions, or fail them.
void AsyncClient::dispatch() {
  if (dispatching_) return;  // the outer call's loop picks up new work
  dispatching_ = true;
  auto alive = alive_;
  const auto& settings = client_.settings();
  close_idle();
  std::vector<char> usable(settings.hosts.size());
  for (size_t h = 0; h < usable.size(); ++h) usable[h] = client_.host_usable(h);
  while (!queue_.empty()) {
    Request& r = queue_.front();
    // Reuse: UNIX-socket sessions first, most recently used first (as Client::acquire).
    Conn* best = nullptr;
    for (auto& c : conns_) {
      if (c->busy || r.tried[c->host] || !usable[c->host]) continue;
      bool unix_c = settings.hosts[c->host].unix_socket();
      if (best == nullptr || (unix_c && !settings.hosts[best->host].unix_socket()) ||
          (unix_c == settings.hosts[best->host].unix_socket() && c->last_used > best->last_used))
        best = c.get();
    }
    if (best != nullptr) {
      best->busy = true;
      best->req = std::move(r);
      queue_.pop_front();
      start_query(best);
      if (!*alive) return;
      continue;
    }
    if (conns_.size() >= max_) {
      // An idle session on a host this request cannot use takes room: close the oldest.
      Conn* oldest = nullptr;
      for (auto& c : conns_)
        if (!c->busy && (oldest == nullptr || c->last_used < oldest->last_used)) oldest = c.get();
      if (oldest == nullptr) break;  // all busy: wait for one to finish
      close(oldest);
      continue;
    }
    int h = client_.choose_host(r.tried);
    if (h < 0) {
      Request failed = std::move(r);
      queue_.pop_front();
      failed.done(failed.last_error.empty() ? client_.no_host_error()
                                            : retry_error(fmt::format("{}: {}", client_.label(), failed.last_error)));
      if (!*alive) return;
      continue;
    }
    auto conn = std::make_unique<Conn>();
    conn->owner = this;
    conn->host = static_cast<size_t>(h);
    conn->busy = true;
    conn->req = std::move(r);
    queue_.pop_front();
    Conn* c = conn.get();
    conns_.push_back(std::move(conn));
    start_connect(c);
    if (!*alive) return;
  }
  dispatching_ = false;
}

// start_connect - a new non-blocking session with the blocking path's options.
void AsyncClient::start_connect(Conn* c) {
  c->ev = event_new(loop_, -1, 0, on_event, c);
  c->db = prepare_handle(client_.settings(), client_.settings().hosts[c->host], true, &c->host_arg, &c->sock_arg);
  if (c->db == nullptr || c->ev == nullptr) return finish_error(c, "out of memory", false, true);
  c->step = Conn::Step::Connect;
  advance(c, -1);
}

// start_query - build the SQL with this session's escaper and send it.
void AsyncClient::start_query(Conn* c) {
  c->res = QueryResult{};
  c->multi_error.clear();
  MYSQL* db = c->db;
  c->sql = c->req->build([db](std::string_view t) {
    std::string out(t.size() * 2 + 1, '\0');
    out.resize(mysql_real_escape_string(db, out.data(), t.data(), t.size()));
    return out;
  });
  c->step = Conn::Step::Query;
  advance(c, -1);
}

// advance - start (STATUS < 0) or continue C's step until it must wait or ends;
// every result set is read, as Connection::query does.
void AsyncClient::advance(Conn* c, int status) {
  MYSQL* db = c->db;
  for (;;) {
    bool start = status < 0;
    int st = 0;
    switch (c->step) {
      case Conn::Step::Connect: {
        const auto& s = client_.settings();
        MYSQL* ret = nullptr;
        st = start ? mysql_real_connect_start(&ret, db, c->host_arg, s.user.c_str(), s.password.c_str(),
                                              s.dbname.c_str(), s.hosts[c->host].port, c->sock_arg,
                                              CLIENT_MULTI_RESULTS)
                   : mysql_real_connect_cont(&ret, db, status);
        if (st != 0) return wait(c, st);
        if (ret == nullptr) return finish_error(c, mysql_error(db), true, true);
        return start_query(c);
      }
      case Conn::Step::Query: {
        int err = 0;
        st = start ? mysql_real_query_start(&err, db, c->sql.data(), c->sql.size())
                   : mysql_real_query_cont(&err, db, status);
        if (st != 0) return wait(c, st);
        if (err != 0) return finish_error(c, mysql_error(db), session_lost(mysql_errno(db)), false);
        c->step = Conn::Step::Store;
        break;
      }
      case Conn::Step::Store: {
        MYSQL_RES* res = nullptr;
        st = start ? mysql_store_result_start(&res, db) : mysql_store_result_cont(&res, db, status);
        if (st != 0) return wait(c, st);
        if (res != nullptr) {
          if (c->res.has_result_set && c->multi_error.empty())
            c->multi_error = "multiple result sets returning data are not supported";
          c->res.has_result_set = true;
          append_rows(res, &c->res);
          mysql_free_result(res);
        } else if (mysql_field_count(db) != 0) {
          // Rows were due but could not be read: the session is out of step, drop it.
          return finish_error(c, mysql_error(db), true, false);
        }
        if (!mysql_more_results(db)) {
          if (!c->multi_error.empty()) return finish_error(c, c->multi_error, false, false);
          return finish_ok(c);
        }
        c->step = Conn::Step::Next;
        break;
      }
      case Conn::Step::Next: {
        int ret = 0;
        st = start ? mysql_next_result_start(&ret, db) : mysql_next_result_cont(&ret, db, status);
        if (st != 0) return wait(c, st);
        if (ret > 0) return finish_error(c, mysql_error(db), session_lost(mysql_errno(db)), false);
        if (ret == -1) {
          if (!c->multi_error.empty()) return finish_error(c, c->multi_error, false, false);
          return finish_ok(c);
        }
        c->step = Conn::Step::Store;
        break;
      }
    }
    status = -1;
  }
}

// wait - arm C's event for what the library waits for (socket and/or timeout).
void AsyncClient::wait(Conn* c, int status) {
  short what = 0;
  if (status & (MYSQL_WAIT_READ | MYSQL_WAIT_EXCEPT)) what |= EV_READ;
  if (status & MYSQL_WAIT_WRITE) what |= EV_WRITE;
  timeval tv{};
  timeval* tvp = nullptr;
  if (status & MYSQL_WAIT_TIMEOUT) {
    unsigned ms = mysql_get_timeout_value_ms(c->db);
    tv.tv_sec = static_cast<time_t>(ms / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
    tvp = &tv;
  }
  evutil_socket_t fd = what != 0 ? static_cast<evutil_socket_t>(mysql_get_socket(c->db)) : -1;
  if (what != 0) what |= EV_PERSIST;
  if (c->armed && what != 0 && c->armed_fd == fd && c->armed_what == what && (tvp != nullptr || !c->armed_timeout)) {
    if (tvp != nullptr) event_add(c->ev, tvp);  // new timeout only: no epoll_ctl
    c->armed_timeout = tvp != nullptr;
    return;
  }
  if (c->armed) event_del(c->ev);
  event_assign(c->ev, loop_, fd, what, on_event, c);
  event_add(c->ev, tvp);
  c->armed = true;
  c->armed_fd = fd;
  c->armed_what = what;
  c->armed_timeout = tvp != nullptr;
}

void AsyncClient::on_event(int, short what, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  if (!c->busy) {
    // An idle session became readable: the server closed it (restart,
    // wait_timeout). Drop it now rather than fail the next query on it.
    return c->owner->close(c);
  }
  if (!(c->armed_what & EV_PERSIST)) c->armed = false;  // a one-shot event is no longer pending
  int status = 0;
  if (what & EV_READ) status |= MYSQL_WAIT_READ;
  if (what & EV_WRITE) status |= MYSQL_WAIT_WRITE;
  if (what & EV_TIMEOUT) status |= MYSQL_WAIT_TIMEOUT;
  c->owner->advance(c, status);
}

// finish_ok - rows for the caller; the session goes back to the idle set.
void AsyncClient::finish_ok(Conn* c) {
  size_t h = c->host;
  QueryResult res = std::move(c->res);
  Done done = std::move(c->req->done);
  release(c);
  client_.host_ok(h);
  dispatch();
  done(std::move(res));
}

// finish_error - Client::query's rules: an SQL error keeps session and host;
// a lost pooled session is retried once at once on a fresh one; otherwise
// the host is marked failed and the request tries the next host.
void AsyncClient::finish_error(Conn* c, const std::string& text, bool lost, bool connecting) {
  Request r = std::move(*c->req);
  c->req.reset();
  size_t h = c->host;
  const std::string& host_text = client_.settings().hosts[h].text;
  if (connecting) {
    close(c);
    client_.host_failed(h, fmt::format("connect to mysql server {}: {}", host_text, text), false);
    r.tried[h] = true;
    return retry(std::move(r));
  }
  if (!lost) {
    release(c);
    std::string msg = fmt::format("{}: query failed: {}", client_.label(), text);
    client_.log_once(msg);
    Done done = std::move(r.done);
    dispatch();
    return done(retry_error(msg));
  }
  bool reused = c->uses > 0;
  close(c);
  r.last_error = fmt::format("query to mysql server {} failed: {}", host_text, text);
  close_idle_on(h);  // a dead session's siblings are dead too
  if (reused && !r.stale_retry_done) {
    r.stale_retry_done = true;  // retry at once on a fresh session, same host allowed
    return retry(std::move(r));
  }
  client_.host_failed(h, r.last_error, true);
  r.tried[h] = true;
  retry(std::move(r));
}

// retry - the request goes back to the head of the queue, unless it tried too often.
void AsyncClient::retry(Request r) {
  if (++r.attempts >= kMaxAttempts) {
    Done done = std::move(r.done);
    std::string text = fmt::format("{}: {}", client_.label(), r.last_error.empty() ? "too many attempts" : r.last_error);
    dispatch();
    return done(retry_error(text));
  }
  queue_.push_front(std::move(r));
  dispatch();
}

void AsyncClient::release(Conn* c) {
  if (c->armed && c->armed_timeout) {
    event_add(c->ev, nullptr);  // keep watching for EOF while idle, without the query's timeout
    c->armed_timeout = false;
  }
  c->req.reset();
  c->busy = false;
  ++c->uses;
  c->last_used = Clock::now();
}

// close_idle - sessions unused for idle_interval go.
void AsyncClient::close_idle() {
  auto now = Clock::now();
  std::vector<Conn*> stale;
  for (auto& c : conns_)
    if (!c->busy && now - c->last_used >= client_.settings().idle_interval) stale.push_back(c.get());
  for (Conn* c : stale) close(c);
}

void AsyncClient::close_idle_on(size_t host) {
  std::vector<Conn*> dead;
  for (auto& c : conns_)
    if (!c->busy && c->host == host) dead.push_back(c.get());
  for (Conn* c : dead) close(c);
}

// close - end C's session (it must not be serving a request any more).
void AsyncClient::close(Conn* c) {
  if (c->ev != nullptr) event_free(c->ev);
  if (c->db != nullptr) mysql_close(c->db);
  std::erase_if(conns_, [c](const auto& p) { return p.get() == c; });
}

}  // namespace core::mysql
