// stream_connection.h - one accepted client on a non-blocking socket, and
// the per-listener state it reports back to. Internal to core::server.
//
// I/O: plain read()/send() on the connection's descriptor with one libevent
// event per descriptor: EV_READ|EV_PERSIST while reading, EV_WRITE added
// only while output is queued. A reply is sent at once when nothing is
// queued (one syscall, no event change), so a lockstep request/reply costs
// one read and one send, and no epoll_ctl in steady state.
//
// Input: every read hands all unread bytes to Session::on_input and drops
// the consumed prefix, looping while input is not paused. At most
// ListenOptions::max_input + 1 bytes are read ahead of the parser;
// unconsumed input above max_input logs a warning and closes; no complete
// request (nothing consumed) for idle_timeout closes silently; a client
// that does not read its replies for idle_timeout is dropped too (one
// timer per connection, re-armed only when it fires, so a request costs
// a clock read, not a timer update).
//
// Ownership: the Listener owns its live connections (shared_ptr); a
// connection finishes (closes its descriptor, frees its event and session,
// leaves the Listener) once closed. Handlers may keep weak_ptrs. Loop
// thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/server/server.h"

struct event;
struct evconnlistener;

namespace core::server {

class StreamConnection;

struct Listener {
  std::string address;    // as given to listen(), or socket_name() for port 0
  std::string unix_path;  // removed on close
  ListenOptions options;
  std::string max_connections_param;  // "lookupd_max_connections", for the warning
  SessionFactory factory;
  evconnlistener* evl = nullptr;
  event* accept_retry = nullptr;  // re-enables evl after an accept error (EMFILE)
  std::unordered_map<StreamConnection*, std::shared_ptr<StreamConnection>> connections;
  size_t refused = 0;  // since the last "too many connections" warning
  std::chrono::steady_clock::time_point last_refusal_warning{};
  std::function<void()> on_empty;  // stdio mode: the one client is gone
};

class StreamConnection final : public Connection {
 public:
  // StreamConnection - takes ownership of FD (closed when finished).
  StreamConnection(Listener* listener, int fd, std::string peer);
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
  using Clock = std::chrono::steady_clock;

  static void on_io(int fd, short what, void* arg);
  static void on_timer(int fd, short what, void* arg);
  static void on_resume(int fd, short what, void* arg);

  void read_input();
  void flush_output();
  void process();
  void update_events();
  void arm_timer(Clock::time_point now);
  size_t pending_output() const { return out_.size() - out_off_; }
  void finish();

  Listener* listener_;
  int fd_;
  event_base* base_ = nullptr;
  event* io_ = nullptr;
  short io_what_ = 0;  // what io_ is added with (0 = not added)
  event* timer_ = nullptr;
  event* resume_ = nullptr;
  std::string peer_;
  std::string address_;  // a copy: the Listener may go before a handler's shared_ptr
  std::unique_ptr<Session> session_;
  std::string in_;  // unread input from in_off_ on
  size_t in_off_ = 0;
  std::string out_;  // unsent output from out_off_ on
  size_t out_off_ = 0;
  Clock::time_point last_request_;   // last complete request or resume (idle timeout)
  Clock::time_point last_progress_;  // output queued or partly sent (write timeout)
  bool paused_ = false;
  bool closing_ = false;  // close() called: flush output, then finish
  bool closed_ = false;   // finished: no descriptor any more
  bool eof_ = false;      // the client shut down its side
  bool broken_ = false;   // a send failed: finish on the next loop turn
  bool in_process_ = false;
  bool output_full_ = false;  // too many unread replies: not reading until they drain
};

}  // namespace core::server
