// listen_socket.cc - binding unix and inet listeners.
#include "core/server/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace core::server {
namespace {

constexpr int kBacklog = 1024;

std::string errno_text() { return std::strerror(errno); }

// unique_fd - close on scope exit unless released.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

// remove_stale_socket - unlink PATH if it is a socket nobody listens on.
Status remove_stale_socket(const std::string& path) {
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) return ok_status();
  if (!S_ISSOCK(st.st_mode))
    return config_error(fmt::format("{} exists and is not a socket; remove it or choose another path", path));
  FdGuard probe{socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());
  if (probe.fd >= 0 && connect(probe.fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0)
    return config_error(fmt::format("{}: another server is already listening on this socket", path));
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return config_error(fmt::format("remove stale socket {}: {}", path, errno_text()));
  return ok_status();
}

// set_socket_owner - chown/chmod a unix socket as ListenOptions say.
Status set_socket_owner(const std::string& path, const ListenOptions& o) {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  if (!o.unix_owner.empty()) {
    passwd* pw = getpwnam(o.unix_owner.c_str());
    if (pw == nullptr) return config_error(fmt::format("socket owner {}: no such user", o.unix_owner));
    uid = pw->pw_uid;
  }
  if (!o.unix_group.empty()) {
    group* gr = getgrnam(o.unix_group.c_str());
    if (gr == nullptr) return config_error(fmt::format("socket group {}: no such group", o.unix_group));
    gid = gr->gr_gid;
  }
  if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) && chown(path.c_str(), uid, gid) != 0)
    return config_error(fmt::format("chown {}: {}", path, errno_text()));
  if (chmod(path.c_str(), o.unix_mode) != 0) return config_error(fmt::format("chmod {}: {}", path, errno_text()));
  return ok_status();
}

Result<std::vector<int>> open_unix(const std::string& path, const ListenOptions& o) {
  sockaddr_un sun{};
  if (path.empty() || path.size() >= sizeof sun.sun_path)
    return config_error(fmt::format("unix:{}: socket path is empty or too long", path));
  if (auto st = remove_stale_socket(path); !st) return st.error();
  FdGuard fd{socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0) return config_error(fmt::format("socket: {}", errno_text()));
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());
  if (bind(fd.fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0)
    return config_error(fmt::format("cannot bind unix:{}: {}", path, errno_text()));
  if (auto st = set_socket_owner(path, o); !st) {
    unlink(path.c_str());
    return st.error();
  }
  if (::listen(fd.fd, kBacklog) != 0) {
    unlink(path.c_str());
    return config_error(fmt::format("listen unix:{}: {}", path, errno_text()));
  }
  return std::vector<int>{fd.release()};
}

Result<std::vector<int>> open_inet(const ListenAddress& a) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const char* host = a.host.empty() ? nullptr : a.host.c_str();
  if (int rc = getaddrinfo(host, a.port.c_str(), &hints, &res); rc != 0)
    return config_error(fmt::format("inet:{}:{}: {}", a.host, a.port, gai_strerror(rc)));
  std::vector<int> fds;
  std::string failure;
  for (addrinfo* ai = res; ai != nullptr && failure.empty(); ai = ai->ai_next) {
    FdGuard fd{socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol)};
    if (fd.fd < 0) {
      failure = fmt::format("socket: {}", errno_text());
      break;
    }
    int one = 1;
    setsockopt(fd.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) setsockopt(fd.fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd.fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      failure = fmt::format("cannot bind inet:{}: {}", peer_name(ai->ai_addr, ai->ai_addrlen), errno_text());
    } else if (::listen(fd.fd, kBacklog) != 0) {
      failure = fmt::format("listen inet:{}: {}", peer_name(ai->ai_addr, ai->ai_addrlen), errno_text());
    } else {
      fds.push_back(fd.release());
    }
  }
  freeaddrinfo(res);
  if (failure.empty() && fds.empty()) failure = fmt::format("inet:{}:{}: no address to bind", a.host, a.port);
  if (!failure.empty()) {
    for (int fd : fds) ::close(fd);
    return config_error(failure);
  }
  return fds;
}

}  // namespace

// parse_listen_address - recognise the two address forms.
Result<ListenAddress> parse_listen_address(const std::string& address) {
  ListenAddress a;
  std::string_view s = address;
  if (s.starts_with("unix:")) {
    a.kind = ListenAddress::Kind::Unix;
    a.path = std::string(s.substr(5));
    if (a.path.empty() || a.path[0] != '/')
      return config_error(fmt::format("{}: expected unix:/absolute/path", address));
    return a;
  }
  if (!s.starts_with("inet:"))
    return config_error(fmt::format("{}: expected unix:/path or inet:host:port", address));
  a.kind = ListenAddress::Kind::Inet;
  s.remove_prefix(5);
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == s.size())
    return config_error(fmt::format("{}: expected inet:host:port", address));
  std::string_view host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "*") host = "";
  a.host = std::string(host);
  a.port = std::string(s.substr(colon + 1));
  return a;
}

Result<std::vector<int>> open_listen_sockets(const ListenAddress& address, const ListenOptions& options) {
  if (address.kind == ListenAddress::Kind::Unix) return open_unix(address.path, options);
  return open_inet(address);
}

// peer_name - numeric host and port, IPv6 in brackets.
std::string peer_name(const void* sa, size_t len) {
  const auto* s = static_cast<const sockaddr*>(sa);
  if (len < sizeof(sa_family_t) || s->sa_family == AF_UNIX) return "unix";
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  if (getnameinfo(s, static_cast<socklen_t>(len), host, sizeof host, port, sizeof port,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return "unknown";
  if (s->sa_family == AF_INET6) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

// socket_name - the listener's own address, in listen() syntax.
std::string socket_name(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "unknown";
  if (ss.ss_family == AF_UNIX) {
    const auto* sun = reinterpret_cast<const sockaddr_un*>(&ss);
    return fmt::format("unix:{}", sun->sun_path);
  }
  return "inet:" + peer_name(&ss, len);
}

}  // namespace core::server
