// stream_connection.h - one accepted client on a libevent bufferevent, and
// the per-listener state it reports back to. Internal to core::server.
//
// Input: every read hands all unread bytes to Session::on_input and drops
// the consumed prefix, looping while input is not paused. Unconsumed input
// above ListenOptions::max_input logs a warning and closes; no complete
// request (nothing consumed) for idle_timeout closes silently; a client
// that does not read its replies for idle_timeout is dropped too.
//
// Ownership: the Listener owns its live connections (shared_ptr); a
// connection finishes (frees its bufferevent and session, leaves the
// Listener) once closed. Handlers may keep weak_ptrs. Loop thread only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/server/server.h"

struct bufferevent;
struct event;
struct evconnlistener;

namespace core::server {

class StreamConnection;

struct Listener {
  std::string address;  // as given to listen(), or socket_name() for port 0
  std::string unix_path;  // removed on close
  ListenOptions options;
  std::string max_connections_param;  // "lookupd_max_connections", for the warning
  SessionFactory factory;
  evconnlistener* evl = nullptr;
  std::unordered_map<StreamConnection*, std::shared_ptr<StreamConnection>> connections;
  size_t refused = 0;  // since the last "too many connections" warning
  std::chrono::steady_clock::time_point last_refusal_warning{};
};

class StreamConnection final : public Connection {
 public:
  StreamConnection(Listener* listener, bufferevent* bev, std::string peer);
  ~StreamConnection() override;

  // start - create the session and begin reading; false if the factory refused.
  bool start(event_base* base);
  // abort - close now, discarding pending output (server shutdown).
  void abort() { finish(); }

  void write(std::string_view bytes) override;
  void close() override;
  void pause_input() override;
  void resume_input() override;
  bool closed() const override { return closed_ || closing_; }
  const std::string& peer() const override { return peer_; }
  const std::string& listener() const override { return address_; }

 private:
  static void on_read(bufferevent* bev, void* arg);
  static void on_write(bufferevent* bev, void* arg);
  static void on_event(bufferevent* bev, short what, void* arg);
  static void on_idle(int fd, short what, void* arg);
  static void on_resume(int fd, short what, void* arg);

  void process();
  void arm_idle();
  void finish();

  Listener* listener_;
  bufferevent* bev_;
  event* idle_ = nullptr;
  event* resume_ = nullptr;
  std::string peer_;
  std::string address_;  // a copy: the Listener may go before a handler's shared_ptr
  std::unique_ptr<Session> session_;
  bool paused_ = false;
  bool closing_ = false;  // close() called: flush output, then finish
  bool closed_ = false;   // finished: no bufferevent any more
  bool eof_ = false;      // the client shut down its side
  bool in_process_ = false;
};

}  // namespace core::server
