// ceiling_server.cc - do-nothing socketmap server: the round-trip ceiling.
//
// Answers socketmap requests from an in-memory hash loaded from a
// "key<TAB>value" file (the same file loadgen reads). It has the shape of a
// reasonable production server, so that its figures are a fair upper bound
// for lookupd on this machine: one thread, one libevent loop, incremental
// netstring parsing, key lowercased before the hash lookup (as lookupd does
// to match MySQL's case-insensitive collation), one write per reply. It does
// no logging, no cache bookkeeping and no database work. The map name is
// ignored: every name answers from the one hash. Stops on SIGTERM/SIGINT.
// --io=raw (default, the ceiling): a persistent EV_READ event per client,
// read() and write() directly, EV_WRITE armed only when a write is short.
// --io=bufferevent: one bufferevent per client, as core::server did until
// 2026-11-27 (it now does what --io=raw does); each
// reply then costs extra epoll_ctl calls and a loop pass for the write.
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
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
#include <unordered_map>

#include "bench/bench_util.h"

namespace {

const char* kUsage =
    "usage: ceiling_server --listen=unix:/path|inet:127.0.0.1:port --map=FILE [--io=raw|bufferevent]\n"
    "  FILE holds key<TAB>value lines; keys are matched lowercased.\n"
    "  --io=raw (default): read()/write() on a persistent read event; bufferevent: libevent bufferevents.\n";

std::unordered_map<std::string, std::string> g_map;
constexpr size_t kMaxRequest = 100000;

// reply - append one netstring with PAYLOAD = PREFIX + DATA to MSG.
void reply(std::string& msg, std::string_view prefix, std::string_view data) {
  char head[24];
  int n = std::snprintf(head, sizeof head, "%zu:", prefix.size() + data.size());
  msg.append(head, static_cast<size_t>(n)).append(prefix).append(data).append(",");
}

// answer - look up the key of one request PAYLOAD ("name key"); append the reply to MSG.
void answer(std::string& msg, std::string_view payload) {
  auto sp = payload.find(' ');
  if (sp == std::string_view::npos) {
    reply(msg, "PERM ", "malformed request");
    return;
  }
  std::string key(payload.substr(sp + 1));
  for (auto& ch : key) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  auto it = g_map.find(key);
  if (it == g_map.end()) {
    reply(msg, "NOTFOUND ", "");
  } else {
    reply(msg, "OK ", it->second);
  }
}

// netstring - parse one request at the front of BUF: its total length, 0 = incomplete, -1 = garbage.
long netstring(std::string_view buf, std::string_view& payload) {
  size_t colon = 0, len = 0;
  while (colon < buf.size() && colon < 7 && buf[colon] >= '0' && buf[colon] <= '9') {
    len = len * 10 + static_cast<size_t>(buf[colon] - '0');
    ++colon;
  }
  if (colon == buf.size()) return 0;
  if (buf[colon] != ':' || colon == 0 || len > kMaxRequest) return -1;
  size_t total = colon + 1 + len + 1;
  if (buf.size() < total) return 0;
  if (buf[total - 1] != ',') return -1;
  payload = buf.substr(colon + 1, len);
  return static_cast<long>(total);
}

// --io=raw: one persistent read event per client, read()/write() directly.
struct RawConn {
  event* ev = nullptr;
  evutil_socket_t fd = -1;
  std::string in, out;
};

void raw_close(RawConn* c) {
  event_free(c->ev);
  close(c->fd);
  delete c;
}

// raw_on_event - read, answer every complete request, write; EV_WRITE only while output is pending.
void raw_on_event(evutil_socket_t fd, short what, void* arg) {
  auto* c = static_cast<RawConn*>(arg);
  if (what & EV_READ) {
    char buf[16384];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return raw_close(c);
    if (n > 0) c->in.append(buf, static_cast<size_t>(n));
    size_t off = 0;
    std::string_view payload;
    for (long used; (used = netstring(std::string_view(c->in).substr(off), payload)) != 0;
         off += static_cast<size_t>(used)) {
      if (used < 0) return raw_close(c);
      answer(c->out, payload);
    }
    c->in.erase(0, off);
  }
  if (!c->out.empty()) {
    ssize_t n = write(fd, c->out.data(), c->out.size());
    if (n < 0 && errno != EAGAIN) return raw_close(c);
    if (n > 0) c->out.erase(0, static_cast<size_t>(n));
    if (!c->out.empty() && !(what & EV_WRITE)) {  // rare: socket buffer full
      event_del(c->ev);
      event_assign(c->ev, event_get_base(c->ev), fd, EV_READ | EV_WRITE | EV_PERSIST, raw_on_event, c);
      event_add(c->ev, nullptr);
    } else if (c->out.empty() && (what & EV_WRITE)) {
      event_del(c->ev);
      event_assign(c->ev, event_get_base(c->ev), fd, EV_READ | EV_PERSIST, raw_on_event, c);
      event_add(c->ev, nullptr);
    }
  }
}

bool g_raw = true;

// on_read - parse every complete netstring in the input; close on garbage.
void on_read(bufferevent* bev, void*) {
  evbuffer* in = bufferevent_get_input(bev);
  evbuffer* out = bufferevent_get_output(bev);
  for (;;) {
    size_t avail = evbuffer_get_length(in);
    if (avail == 0) return;
    size_t peek = std::min<size_t>(avail, 8);
    char head[8];
    evbuffer_copyout(in, head, peek);
    size_t colon = 0, len = 0;
    while (colon < peek && head[colon] >= '0' && head[colon] <= '9') {
      len = len * 10 + static_cast<size_t>(head[colon] - '0');
      ++colon;
    }
    if (colon == peek) {
      if (peek < 8) return;  // length still arriving
      bufferevent_free(bev);
      return;
    }
    if (head[colon] != ':' || colon == 0 || len > kMaxRequest) {
      bufferevent_free(bev);
      return;
    }
    size_t total = colon + 1 + len + 1;
    if (avail < total) return;
    const char* p = reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ssize_t>(total)));
    if (p[total - 1] != ',') {
      bufferevent_free(bev);
      return;
    }
    std::string msg;
    answer(msg, std::string_view(p + colon + 1, len));
    evbuffer_add(out, msg.data(), msg.size());
    evbuffer_drain(in, total);
  }
}

void on_event(bufferevent* bev, short what, void*) {
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

void on_accept(evconnlistener* l, evutil_socket_t fd, sockaddr* sa, int, void*) {
  if (sa->sa_family == AF_INET) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (g_raw) {
    auto* c = new RawConn;
    c->fd = fd;
    c->ev = event_new(evconnlistener_get_base(l), fd, EV_READ | EV_PERSIST, raw_on_event, c);
    event_add(c->ev, nullptr);
    return;
  }
  bufferevent* bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, on_read, nullptr, on_event, nullptr);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
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
  bench::Options opt(argc, argv, {{"listen", ""}, {"map", ""}, {"io", "raw"}}, kUsage);
  if (opt.str("io") != "raw" && opt.str("io") != "bufferevent") {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  g_raw = opt.str("io") == "raw";
  if (opt.str("listen").empty() || opt.str("map").empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  for (auto& kv : bench::load_keys(opt.str("map"))) g_map.emplace(std::move(kv.key), std::move(kv.value));
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
  std::fprintf(stderr, "ceiling_server: %zu keys, listening on %s\n", g_map.size(),
               opt.str("listen").c_str());
  event_base_dispatch(base);
  event_free(term);
  event_free(intr);
  evconnlistener_free(l);
  event_base_free(base);
  if (opt.str("listen").rfind("unix:", 0) == 0) unlink(opt.str("listen").c_str() + 5);
  return 0;
}
