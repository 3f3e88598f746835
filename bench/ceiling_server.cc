// ceiling_server.cc - do-nothing socketmap server: the round-trip ceiling.
//
// Answers socketmap requests from an in-memory hash loaded from a
// "key<TAB>value" file (the same file loadgen reads). It has the shape of a
// reasonable production server, so that its figures are a fair upper bound
// for lookupd on this machine: one thread, one libevent loop, one bufferevent
// per client, incremental netstring parsing, key lowercased before the hash
// lookup (as lookupd does to match MySQL's case-insensitive collation), reply
// written with one evbuffer_add. It does no logging, no cache bookkeeping and
// no database work. The map name is ignored: every name answers from the one
// hash. Stops on SIGTERM/SIGINT.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <csignal>
#include <cstring>
#include <string>
#include <unordered_map>

#include "bench/bench_util.h"

namespace {

const char* kUsage =
    "usage: ceiling_server --listen=unix:/path|inet:127.0.0.1:port --map=FILE\n"
    "  FILE holds key<TAB>value lines; keys are matched lowercased.\n";

std::unordered_map<std::string, std::string> g_map;
constexpr size_t kMaxRequest = 100000;

// reply - write one netstring with PAYLOAD = PREFIX + DATA.
void reply(evbuffer* out, std::string_view prefix, std::string_view data) {
  char head[24];
  int n = std::snprintf(head, sizeof head, "%zu:", prefix.size() + data.size());
  std::string msg;
  msg.reserve(static_cast<size_t>(n) + prefix.size() + data.size() + 1);
  msg.append(head, static_cast<size_t>(n)).append(prefix).append(data).append(",");
  evbuffer_add(out, msg.data(), msg.size());
}

// answer - look up the key of one request PAYLOAD ("name key").
void answer(evbuffer* out, std::string_view payload) {
  auto sp = payload.find(' ');
  if (sp == std::string_view::npos) {
    reply(out, "PERM ", "malformed request");
    return;
  }
  std::string key(payload.substr(sp + 1));
  for (auto& ch : key) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  auto it = g_map.find(key);
  if (it == g_map.end()) {
    reply(out, "NOTFOUND ", "");
  } else {
    reply(out, "OK ", it->second);
  }
}

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
    answer(out, std::string_view(p + colon + 1, len));
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
  bufferevent* bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, on_read, nullptr, on_event, nullptr);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

void on_signal(evutil_socket_t, short, void* base) { event_base_loopexit(static_cast<event_base*>(base), nullptr); }

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
  bench::Options opt(argc, argv, {{"listen", ""}, {"map", ""}}, kUsage);
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
  std::fprintf(stderr, "ceiling_server: %zu keys, listening on %s\n", g_map.size(), opt.str("listen").c_str());
  event_base_dispatch(base);
  event_free(term);
  event_free(intr);
  evconnlistener_free(l);
  event_base_free(base);
  if (opt.str("listen").rfind("unix:", 0) == 0) unlink(opt.str("listen").c_str() + 5);
  return 0;
}
