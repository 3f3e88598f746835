// stdio_relay.cc - stdin/stdout as one client connection.
#include "core/server/stdio_relay.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/server/event_server.h"

namespace core::server {
namespace {

size_t pending(bufferevent* bev) {
  return evbuffer_get_length(bufferevent_get_output(bev));
}

// maybe_shut - stdin ended and everything reached the session: tell it EOF.
void maybe_shut(StdioRelay* r) {
  if (r->in_eof && !r->shut && pending(r->inner) == 0) {
    shutdown(r->inner_fd, SHUT_WR);
    r->shut = true;
  }
}

// maybe_stop - the session closed and every reply reached stdout: done.
void maybe_stop(StdioRelay* r) {
  if (r->inner_eof && pending(r->out) == 0) r->server->stop();
}

void in_read(bufferevent* bev, void* arg) {
  auto* r = static_cast<StdioRelay*>(arg);
  evbuffer_add_buffer(bufferevent_get_output(r->inner), bufferevent_get_input(bev));
}

void in_event(bufferevent* bev, short, void* arg) {
  auto* r = static_cast<StdioRelay*>(arg);
  r->in_eof = true;
  bufferevent_disable(bev, EV_READ);
  maybe_shut(r);
}

void inner_read(bufferevent* bev, void* arg) {
  auto* r = static_cast<StdioRelay*>(arg);
  evbuffer_add_buffer(bufferevent_get_output(r->out), bufferevent_get_input(bev));
}

void inner_write(bufferevent*, void* arg) {
  maybe_shut(static_cast<StdioRelay*>(arg));
}

void inner_event(bufferevent* bev, short, void* arg) {
  auto* r = static_cast<StdioRelay*>(arg);
  inner_read(bev, arg);
  r->inner_eof = true;
  bufferevent_disable(bev, EV_READ | EV_WRITE);
  maybe_stop(r);
}

void out_write(bufferevent*, void* arg) {
  maybe_stop(static_cast<StdioRelay*>(arg));
}

// out_event - stdout is gone: nobody can read replies any more.
void out_event(bufferevent*, short, void* arg) {
  static_cast<StdioRelay*>(arg)->server->stop();
}

Status check_pollable(int fd, const char* name) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return config_error(fmt::format("{}: {}", name, std::strerror(errno)));
  // epoll refuses regular files and most devices (/dev/null): they would hang.
  if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode) && !isatty(fd))
    return config_error(fmt::format("-S: {} must be a socket, pipe or terminal", name));
  return ok_status();
}

}  // namespace

StdioRelay::~StdioRelay() {
  if (in != nullptr) bufferevent_free(in);
  if (out != nullptr) bufferevent_free(out);
  if (inner != nullptr) bufferevent_free(inner);
}

Result<int> start_stdio_relay(event_base* base, EventServer* server, StdioRelay& r) {
  struct stat st {};
  if (fstat(0, &st) == 0 && S_ISSOCK(st.st_mode)) {
    int fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) return config_error(fmt::format("dup stdin: {}", std::strerror(errno)));
    evutil_make_socket_nonblocking(fd);
    return fd;
  }
  if (auto s = check_pollable(0, "stdin"); !s) return s.error();
  if (auto s = check_pollable(1, "stdout"); !s) return s.error();
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0)
    return config_error(fmt::format("socketpair: {}", std::strerror(errno)));
  evutil_make_socket_nonblocking(0);
  evutil_make_socket_nonblocking(1);
  r.server = server;
  r.inner_fd = pair[0];
  r.in = bufferevent_socket_new(base, 0, 0);
  r.out = bufferevent_socket_new(base, 1, 0);
  r.inner = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(r.in, in_read, nullptr, in_event, &r);
  bufferevent_setcb(r.out, nullptr, out_write, out_event, &r);
  bufferevent_setcb(r.inner, inner_read, inner_write, inner_event, &r);
  bufferevent_enable(r.in, EV_READ);
  bufferevent_enable(r.out, EV_WRITE);
  bufferevent_enable(r.inner, EV_READ | EV_WRITE);
  return pair[1];
}

}  // namespace core::server
