// client_socket.cc - persistent lockstep client connection with one resend.
#include "core/proto/client_socket.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/config/config.h"

namespace core::proto {
namespace {

bool closed_errno(int e) {
  return e == EPIPE || e == ECONNRESET;
}

// connect_fd - start a non-blocking connect; returns fd or -1 with errno set.
int connect_fd(int family, const sockaddr* addr, socklen_t len) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, addr, len) == 0 || errno == EINPROGRESS) return fd;
  int saved = errno;
  ::close(fd);
  errno = saved;
  return -1;
}

}  // namespace

// client_timeout - the configured timeout, 1s..1h, or the 10s default.
Result<std::chrono::milliseconds> client_timeout(const config::Config* config) {
  if (config == nullptr || !config->has(kClientTimeoutParam)) return kDefaultClientTimeout;
  auto t = config->get_time(kClientTimeoutParam);
  if (!t) return t.error();
  if (t->count() < 1 || t->count() > 3600)
    return config_error(fmt::format("{} must be between 1s and 1h", kClientTimeoutParam));
  return std::chrono::milliseconds(*t);
}

// parse_host_port - split at the last ':'; "[v6]" loses its brackets.
Result<Endpoint> parse_host_port(std::string_view text) {
  Endpoint ep;
  ep.text = std::string(text);
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return config_error(fmt::format("endpoint \"{}\": expected host:port", ep.text));
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      return config_error(fmt::format("endpoint \"{}\": bad [address]", ep.text));
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return config_error(fmt::format("endpoint \"{}\": write IPv6 addresses as [addr]:port", ep.text));
  }
  ep.host = std::string(host);
  ep.port = std::string(text.substr(colon + 1));
  return ep;
}

// parse_endpoint - Postfix's "unix:", "local:" and "inet:" endpoint forms.
Result<Endpoint> parse_endpoint(std::string_view text) {
  if (text.starts_with("unix:") || text.starts_with("local:")) {
    Endpoint ep;
    ep.unix_socket = true;
    ep.path = std::string(text.substr(text.find(':') + 1));
    ep.text = std::string(text);
    if (ep.path.empty()) return config_error(fmt::format("endpoint \"{}\": empty socket path", ep.text));
    if (ep.path.size() >= sizeof(sockaddr_un{}.sun_path))
      return config_error(fmt::format("endpoint \"{}\": socket path too long", ep.text));
    return ep;
  }
  if (text.starts_with("inet:")) {
    auto ep = parse_host_port(text.substr(5));
    if (ep) ep->text = std::string(text);
    return ep;
  }
  return config_error(fmt::format("endpoint \"{}\": expected unix:path or inet:host:port", text));
}

void ClientSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// wait - poll for EVENTS until DEADLINE; false on timeout or poll failure.
bool ClientSocket::wait(short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left < 0) left = 0;
    pollfd p{fd_, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

// connect - try each address until one connects before DEADLINE.
Status ClientSocket::connect(Clock::time_point deadline) {
  std::string why;
  auto finish = [&](int fd) -> bool {
    fd_ = fd;
    if (!wait(POLLOUT, deadline)) {
      why = "connect: timeout";
      close();
      return false;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err == 0) return true;
    why = fmt::format("connect: {}", std::strerror(err));
    close();
    return false;
  };
  if (endpoint_.unix_socket) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, endpoint_.path.data(), endpoint_.path.size());
    int fd = connect_fd(AF_UNIX, reinterpret_cast<sockaddr*>(&sun), sizeof(sun));
    if (fd < 0) why = fmt::format("connect: {}", std::strerror(errno));
    if (fd >= 0 && finish(fd)) return ok_status();
    return retry_error(fmt::format("{}: {}", endpoint_.text, why));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(endpoint_.host.c_str(), endpoint_.port.c_str(), &hints, &res);
  if (rc != 0) return retry_error(fmt::format("{}: resolve: {}", endpoint_.text, ::gai_strerror(rc)));
  why = "connect: no address";
  bool ok = false;
  for (addrinfo* ai = res; ai && !ok; ai = ai->ai_next) {
    int fd = connect_fd(ai->ai_family, ai->ai_addr, ai->ai_addrlen);
    if (fd < 0)
      why = fmt::format("connect: {}", std::strerror(errno));
    else
      ok = finish(fd);
  }
  ::freeaddrinfo(res);
  if (ok) return ok_status();
  return retry_error(fmt::format("{}: {}", endpoint_.text, why));
}

// peer_closed - true if the idle connection has EOF or stray bytes pending.
bool ClientSocket::peer_closed() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  return true;  // EOF, error or unsolicited data: the stream is unusable
}

// write_all - send every byte of DATA before DEADLINE.
ClientSocket::Io ClientSocket::write_all(std::string_view data, Clock::time_point deadline,
                                         std::string& why) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait(POLLOUT, deadline)) continue;
      why = "write: timeout";
      return Io::Failed;
    }
    why = fmt::format("write: {}", std::strerror(errno));
    return closed_errno(errno) ? Io::Closed : Io::Failed;
  }
  return Io::Ok;
}

// read_reply - read until READER sees a whole reply; EOF/reset = Closed.
ClientSocket::Io ClientSocket::read_reply(const ReplyReader& reader, Clock::time_point deadline,
                                          std::string& reply, std::string& why) {
  std::string buf;
  char chunk[8192];
  for (;;) {
    if (!wait(POLLIN, deadline)) {
      why = "read: timeout";
      return Io::Failed;
    }
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n == 0 || (n < 0 && closed_errno(errno))) {
      why = n == 0 ? "read: connection closed by server" : fmt::format("read: {}", std::strerror(errno));
      return Io::Closed;
    }
    if (n < 0) {
      why = fmt::format("read: {}", std::strerror(errno));
      return Io::Failed;
    }
    buf.append(chunk, static_cast<size_t>(n));
    ReplyFrame f = reader(buf);
    if (f.state == ReplyFrame::State::NeedMore) continue;
    if (f.state == ReplyFrame::State::Malformed) {
      why = fmt::format("malformed reply: {}", f.why);
      return Io::Failed;
    }
    if (f.consumed != buf.size()) {
      why = "malformed reply: extra bytes after the reply";
      return Io::Failed;
    }
    reply = std::move(f.reply);
    return Io::Ok;
  }
}

// exchange - one request/reply; reconnect and resend once if the server closed.
Result<std::string> ClientSocket::exchange(std::string_view request, const ReplyReader& reader) {
  auto deadline = Clock::now() + timeout_;
  std::string why;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ >= 0 && peer_closed()) close();
    if (fd_ < 0) {
      Status st = connect(deadline);
      if (!st) return st.error();
    }
    Io io = write_all(request, deadline, why);
    std::string reply;
    if (io == Io::Ok) io = read_reply(reader, deadline, reply, why);
    if (io == Io::Ok) return reply;
    close();
    if (io == Io::Failed) break;
  }
  return retry_error(fmt::format("{}: {}", endpoint_.text, why));
}

}  // namespace core::proto
