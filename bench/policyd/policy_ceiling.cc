// policy_ceiling.cc - do-nothing Postfix policy server: the round-trip ceiling.
//
// Answers every policy delegation request with "action=DUNNO". It has the
// shape of a reasonable production server, so its figures are a fair upper
// bound for policyd on this machine: one thread, one libevent loop, a
// persistent read event per client, read()/write() directly (EV_WRITE only
// when a write is short), requests parsed incrementally into name=value
// pairs (a request without "request=smtpd_access_policy" or a line without
// '=' closes the connection, as a careful server would), one write per
// reply. No logging, no decisions. Stops on SIGTERM/SIGINT.
#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/bench_util.h"

namespace {

const char* kUsage = "usage: policy_ceiling --listen=unix:/path|inet:127.0.0.1:port\n";
constexpr size_t kMaxRequest = 100000;

struct Conn {
  event* ev = nullptr;
  evutil_socket_t fd = -1;
  std::string in, out;
  std::vector<std::pair<std::string_view, std::string_view>> attrs;
};

void close_conn(Conn* c) {
  event_free(c->ev);
  close(c->fd);
  delete c;
}

// answer - parse the request in TEXT (lines without the final empty line); false = malformed.
bool answer(Conn* c, std::string_view text) {
  c->attrs.clear();
  bool policy = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    c->attrs.emplace_back(line.substr(0, eq), line.substr(eq + 1));
    if (line == "request=smtpd_access_policy") policy = true;
  }
  if (!policy) return false;
  c->out.append("action=DUNNO\n\n");
  return true;
}

// on_event - read, answer every complete request, write; EV_WRITE only while output is pending.
void on_event(evutil_socket_t fd, short what, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  if (what & EV_READ) {
    char buf[16384];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return close_conn(c);
    if (n > 0) c->in.append(buf, static_cast<size_t>(n));
    size_t off = 0;
    for (size_t end; (end = c->in.find("\n\n", off)) != std::string::npos; off = end + 2)
      if (!answer(c, std::string_view(c->in).substr(off, end + 1 - off))) return close_conn(c);
    c->in.erase(0, off);
    if (c->in.size() > kMaxRequest) return close_conn(c);
  }
  if (!c->out.empty()) {
    ssize_t n = write(fd, c->out.data(), c->out.size());
    if (n < 0 && errno != EAGAIN) return close_conn(c);
    if (n > 0) c->out.erase(0, static_cast<size_t>(n));
    if (!c->out.empty() && !(what & EV_WRITE)) {  // rare: socket buffer full
      event_del(c->ev);
      event_assign(c->ev, event_get_base(c->ev), fd, EV_READ | EV_WRITE | EV_PERSIST, on_event, c);
      event_add(c->ev, nullptr);
    } else if (c->out.empty() && (what & EV_WRITE)) {
      event_del(c->ev);
      event_assign(c->ev, event_get_base(c->ev), fd, EV_READ | EV_PERSIST, on_event, c);
      event_add(c->ev, nullptr);
    }
  }
}

void on_accept(evconnlistener* l, evutil_socket_t fd, sockaddr* sa, int, void*) {
  if (sa->sa_family == AF_INET) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  auto* c = new Conn;
  c->fd = fd;
  c->ev = event_new(evconnlistener_get_base(l), fd, EV_READ | EV_PERSIST, on_event, c);
  event_add(c->ev, nullptr);
}

void on_signal(evutil_socket_t, short, void* base) {
  event_base_loopexit(static_cast<event_base*>(base), nullptr);
}

// make_listener - bind ADDR ("unix:/path" or "inet:a.b.c.d:port").
evconnlistener* make_listener(event_base* base, const std::string& addr) {
  unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
  if (addr.rfind("unix:", 0) == 0) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string path = addr.substr(5);
    if (path.size() >= sizeof sa.sun_path) return nullptr;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    unlink(path.c_str());
    return evconnlistener_new_bind(base, on_accept, nullptr, flags, 1024, reinterpret_cast<sockaddr*>(&sa),
                                   sizeof sa);
  }
  if (addr.rfind("inet:", 0) == 0) {
    std::string hp = addr.substr(5);
    auto colon = hp.rfind(':');
    if (colon == std::string::npos) return nullptr;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::atoi(hp.c_str() + colon + 1)));
    if (inet_pton(AF_INET, hp.substr(0, colon).c_str(), &sa.sin_addr) != 1) return nullptr;
    return evconnlistener_new_bind(base, on_accept, nullptr, flags, 1024, reinterpret_cast<sockaddr*>(&sa),
                                   sizeof sa);
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Options opt(argc, argv, {{"listen", ""}}, kUsage);
  if (opt.str("listen").empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  event_base* base = event_base_new();
  evconnlistener* l = make_listener(base, opt.str("listen"));
  if (!l) {
    std::fprintf(stderr, "fatal: cannot listen on %s: %s\n", opt.str("listen").c_str(), std::strerror(errno));
    return 1;
  }
  event* term = evsignal_new(base, SIGTERM, on_signal, base);
  event* intr = evsignal_new(base, SIGINT, on_signal, base);
  event_add(term, nullptr);
  event_add(intr, nullptr);
  std::fprintf(stderr, "policy_ceiling: listening on %s\n", opt.str("listen").c_str());
  event_base_dispatch(base);
  event_free(term);
  event_free(intr);
  evconnlistener_free(l);
  event_base_free(base);
  if (opt.str("listen").rfind("unix:", 0) == 0) unlink(opt.str("listen").c_str() + 5);
  return 0;
}
