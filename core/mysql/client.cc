// client.cc - connection pool and host failover for mysql: tables.
#include "core/mysql/client.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/log/log.h"

namespace core::mysql {
namespace {

constexpr int kMaxAttempts = 100;  // Postfix RETRY_CONN_MAX

}  // namespace

Client::Client(std::string label, Settings settings)
    : label_(std::move(label)),
      settings_(std::move(settings)),
      state_(settings_.hosts.size()),
      rng_(std::random_device{}()) {
  if (settings_.max_connections == 0) settings_.max_connections = 1;
}

Client::~Client() = default;

// query - one lookup: borrow, build, run; fail over on lost sessions.
Result<QueryResult> Client::query(const QueryBuilder& build) {
  std::vector<bool> tried(settings_.hosts.size(), false);
  std::string last_error;
  bool stale_retry_done = false;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto got = acquire(tried);
    if (!got) {
      if (!last_error.empty()) return retry_error(fmt::format("{}: {}", label_, last_error));
      return got.error();
    }
    std::unique_ptr<Connection> conn = std::move(*got);
    Connection& c = *conn;
    std::string sql = build([&c](std::string_view t) { return c.escape(t); });
    QueryResult res;
    auto err = c.query(sql, &res);
    bool reused = c.uses > 0;
    ++c.uses;
    if (!err) {
      host_ok(c.host_index());
      release(std::move(conn));
      return res;
    }
    size_t h = c.host_index();
    std::string host_text = c.host().text;
    if (!err->connection_lost) {
      // The server answered with an error: the session and the host are fine.
      release(std::move(conn));
      std::string text = fmt::format("{}: query failed: {}", label_, err->text);
      log_once(text);
      return retry_error(text);
    }
    {
      std::lock_guard lock(mu_);
      conn.reset();
      --open_;
      if (reused && !stale_retry_done) {
        // A pooled session died (server restarted?): its siblings are dead too.
        std::erase_if(idle_, [&](const auto& i) {
          bool same = i->host_index() == h;
          if (same) --open_;
          return same;
        });
      }
    }
    cv_.notify_all();
    last_error = fmt::format("query to mysql server {} failed: {}", host_text, err->text);
    if (reused && !stale_retry_done) {
      stale_retry_done = true;  // retry at once on a fresh session, same host allowed
      continue;
    }
    host_failed(h, last_error, true);
    tried[h] = true;
  }
  return retry_error(fmt::format("{}: {}", label_, last_error.empty() ? "too many attempts" : last_error));
}

// acquire - an idle session on an eligible host, or a new one on a picked host.
Result<std::unique_ptr<Connection>> Client::acquire(std::vector<bool>& tried) {
  std::unique_lock lock(mu_);
  auto deadline = Clock::now() + std::chrono::seconds(settings_.connect_timeout + settings_.read_timeout);
  for (;;) {
    auto now = Clock::now();
    prune_idle_locked(now);
    // Reuse: UNIX-socket sessions first, most recently used first.
    int best = -1;
    for (int i = static_cast<int>(idle_.size()) - 1; i >= 0; --i) {
      size_t h = idle_[i]->host_index();
      if (tried[h] || now < state_[h].down_until) continue;
      if (best < 0 || (idle_[i]->host().unix_socket() && !idle_[best]->host().unix_socket())) best = i;
    }
    if (best >= 0) {
      auto conn = std::move(idle_[best]);
      idle_.erase(idle_.begin() + best);
      return conn;
    }
    int h = pick_host(tried, now);
    if (h < 0) {
      return no_host_error_locked();
    }
    if (open_ >= settings_.max_connections && !idle_.empty()) {
      idle_.erase(idle_.begin());  // oldest idle session is on an unusable host: make room
      --open_;
    }
    if (open_ < settings_.max_connections) {
      ++open_;
      lock.unlock();
      auto conn = std::make_unique<Connection>(settings_.hosts[h], static_cast<size_t>(h));
      std::string why;
      bool ok = conn->connect(settings_, &why);
      if (ok) return conn;
      conn.reset();
      lock.lock();
      --open_;
      cv_.notify_all();
      lock.unlock();
      host_failed(h, fmt::format("connect to mysql server {}: {}", settings_.hosts[h].text, why), false);
      lock.lock();
      tried[h] = true;
      continue;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout)
      return retry_error(fmt::format("{}: all {} mysql connections busy", label_, settings_.max_connections));
  }
}

// no_host_error_locked - the error when every host is down, naming the last problem.
Error Client::no_host_error_locked() {
  std::string why;
  for (const auto& s : state_)
    if (!s.logged.empty()) why = s.logged;
  return retry_error(fmt::format("{}: no usable mysql server{}{}", label_, why.empty() ? "" : ": ", why));
}

Error Client::no_host_error() {
  std::lock_guard lock(mu_);
  return no_host_error_locked();
}

int Client::choose_host(const std::vector<bool>& tried) {
  std::lock_guard lock(mu_);
  return pick_host(tried, Clock::now());
}

bool Client::host_usable(size_t host) {
  std::lock_guard lock(mu_);
  return Clock::now() >= state_[host].down_until;
}

// release - back to the idle list (most recently used last).
void Client::release(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    conn->last_used = Clock::now();
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

// pick_host - untried eligible host, UNIX before TCP, random among equals; -1 if none.
int Client::pick_host(const std::vector<bool>& tried, Clock::time_point now) {
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<int> unix_hosts, inet_hosts;
    for (size_t i = 0; i < state_.size(); ++i) {
      if (tried[i]) continue;
      const auto& s = state_[i];
      bool ok = pass == 0 ? now >= s.down_until : now >= s.last_failure + settings_.lone_retry;
      if (!ok) continue;
      (settings_.hosts[i].unix_socket() ? unix_hosts : inet_hosts).push_back(static_cast<int>(i));
    }
    auto& pool = unix_hosts.empty() ? inet_hosts : unix_hosts;
    if (!pool.empty()) return pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng_)];
  }
  return -1;
}

// host_failed - skip HOST for retry_interval; log the problem once.
void Client::host_failed(size_t host, const std::string& why, bool lost_session) {
  bool log_it = false;
  {
    std::lock_guard lock(mu_);
    auto& s = state_[host];
    auto now = Clock::now();
    s.failed = true;
    s.last_failure = now;
    s.down_until = now + settings_.retry_interval;
    if (s.logged != why) {
      s.logged = why;
      log_it = true;
    }
    if (lost_session)
      std::erase_if(idle_, [&](const auto& i) {
        bool same = i->host_index() == host;
        if (same) --open_;
        return same;
      });
  }
  if (log_it) log::warning("{}: {}", label_, why);
}

// host_ok - clear the failure state; say so once if the host had failed.
void Client::host_ok(size_t host) {
  bool recovered = false;
  {
    std::lock_guard lock(mu_);
    auto& s = state_[host];
    if (s.failed) {
      recovered = true;
      s = HostState{};
    }
    logged_query_error_.clear();
  }
  if (recovered) log::info("{}: mysql server {} is available again", label_, settings_.hosts[host].text);
}

// log_once - warn about TEXT unless it was the last query problem logged.
void Client::log_once(const std::string& text) {
  {
    std::lock_guard lock(mu_);
    if (logged_query_error_ == text) return;
    logged_query_error_ = text;
  }
  log::warning("{}", text);
}

void Client::prune_idle_locked(Clock::time_point now) {
  std::erase_if(idle_, [&](const auto& c) {
    bool old = now - c->last_used >= settings_.idle_interval;
    if (old) --open_;
    return old;
  });
}

void Client::close_idle() {
  std::lock_guard lock(mu_);
  prune_idle_locked(Clock::now());
}

void Client::close_all_idle() {
  std::lock_guard lock(mu_);
  open_ -= static_cast<unsigned>(idle_.size());
  idle_.clear();
  cv_.notify_all();  // room for a new connection
}

}  // namespace core::mysql
