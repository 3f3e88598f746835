// loadgen.cc - socketmap load generator (benchmark tool, not a test).
//
// Opens --conns connections to a socketmap server and drives each in strict
// lockstep (one "NAME KEY" netstring, wait for the reply netstring, next),
// as a Postfix process does. All connections are driven by one epoll loop per
// thread (--threads, default 1: on a 2-core machine one thread is enough and
// leaves the other core to the server). Runs for --duration seconds or
// --requests requests in total, records the latency of every answered
// request and prints one JSON line (see bench_util.h print_result).
// Replies are classified OK / NOTFOUND / TEMP+TIMEOUT / PERM; anything else,
// a malformed reply or a dropped connection counts as an error.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"

namespace {

using Clock = std::chrono::steady_clock;

const char* kUsage =
    "usage: loadgen --connect=unix:/path|inet:host:port --keys=FILE [--name=mailbox]\n"
    "  [--conns=8] [--threads=1] [--duration=3] [--requests=0] [--order=random|seq] [--seed=1]\n"
    "  --requests=N stops after N requests in total (overrides --duration).\n";

// connect_to - blocking connect to "unix:/path" or "inet:host:port", then non-blocking.
int connect_to(const std::string& where) {
  int fd = -1;
  if (where.rfind("unix:", 0) == 0) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string path = where.substr(5);
    if (path.size() >= sizeof(sa.sun_path)) return -1;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      if (fd >= 0) close(fd);
      return -1;
    }
  } else if (where.rfind("inet:", 0) == 0) {
    std::string hp = where.substr(5);
    auto colon = hp.rfind(':');
    if (colon == std::string::npos) return -1;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::atoi(hp.c_str() + colon + 1)));
    if (inet_pton(AF_INET, hp.substr(0, colon).c_str(), &sa.sin_addr) != 1) return -1;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      if (fd >= 0) close(fd);
      return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  } else {
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

struct Conn {
  int fd = -1;
  std::string out;  // request being sent
  size_t sent = 0;
  std::string in;  // reply bytes so far
  Clock::time_point started;
  uint64_t rng = 0;
  bool busy = false;
};

struct Shared {
  std::string connect;
  std::string name;
  std::vector<bench::KeyValue> keys;
  bench::KeyPicker* picker = nullptr;
  Clock::time_point deadline;
  long max_requests = 0;  // 0 = use deadline
  std::atomic<long> issued{0};
};

struct ThreadResult {
  bench::Counts counts;
  std::vector<uint64_t> lat_ns;
  Clock::time_point last_done;
};

// classify - count one reply PAYLOAD.
void classify(std::string_view p, bench::Counts& c) {
  if (p.rfind("OK ", 0) == 0)
    ++c.ok;
  else if (p.rfind("NOTFOUND", 0) == 0)
    ++c.notfound;
  else if (p.rfind("TEMP", 0) == 0 || p.rfind("TIMEOUT", 0) == 0)
    ++c.temp;
  else if (p.rfind("PERM", 0) == 0)
    ++c.perm;
  else
    ++c.errors;
}

// parse_reply - length of a complete netstring at the front of IN, 0 if incomplete, -1 if malformed.
long parse_reply(const std::string& in, std::string_view& payload) {
  size_t colon = in.find(':');
  if (colon == std::string::npos) return in.size() > 7 ? -1 : 0;
  if (colon == 0 || colon > 7) return -1;
  size_t len = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (in[i] < '0' || in[i] > '9') return -1;
    len = len * 10 + static_cast<size_t>(in[i] - '0');
  }
  if (in.size() < colon + 1 + len + 1) return 0;
  if (in[colon + 1 + len] != ',') return -1;
  payload = std::string_view(in).substr(colon + 1, len);
  return static_cast<long>(colon + 2 + len);
}

// may_issue - whether another request may start now (count or time budget left).
bool may_issue(Shared& sh) {
  if (sh.max_requests > 0) return sh.issued.fetch_add(1, std::memory_order_relaxed) < sh.max_requests;
  return Clock::now() < sh.deadline;
}

// send_next - build and send the next request on C; false when C failed.
bool send_next(Shared& sh, Conn& c) {
  const std::string& key = sh.keys[sh.picker->next(c.rng)].key;
  c.out.clear();
  c.out.append(std::to_string(sh.name.size() + 1 + key.size())).append(":").append(sh.name);
  c.out.append(" ").append(key).append(",");
  c.sent = 0;
  c.in.clear();
  c.busy = true;
  c.started = Clock::now();
  ssize_t n = write(c.fd, c.out.data(), c.out.size());
  if (n < 0 && errno != EAGAIN) return false;
  c.sent = n > 0 ? static_cast<size_t>(n) : 0;
  return true;
}

// run_thread - one epoll loop driving CONNS; fills RES.
void run_thread(Shared& sh, std::vector<Conn>& conns, ThreadResult& res) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  size_t active = 0;
  auto drop = [&](Conn& c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    if (c.busy) ++res.counts.errors;
    c.busy = false;
    --active;
  };
  for (size_t i = 0; i < conns.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    ++active;
  }
  for (auto& c : conns) {
    if (!may_issue(sh)) break;
    if (!send_next(sh, c)) drop(c);
  }
  auto hard_stop = sh.deadline + std::chrono::seconds(10);
  std::vector<epoll_event> evs(conns.size());
  char buf[65536];
  while (active > 0) {
    size_t busy = 0;
    for (auto& c : conns) busy += c.fd >= 0 && c.busy;
    if (busy == 0 || Clock::now() > hard_stop) break;
    int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 1000);
    for (int i = 0; i < n; ++i) {
      Conn& c = conns[evs[i].data.u64];
      if (c.fd < 0) continue;
      if (c.sent < c.out.size()) {  // finish a partial write
        ssize_t w = write(c.fd, c.out.data() + c.sent, c.out.size() - c.sent);
        if (w > 0) c.sent += static_cast<size_t>(w);
      }
      ssize_t r = read(c.fd, buf, sizeof buf);
      if (r == 0 || (r < 0 && errno != EAGAIN)) {
        drop(c);
        continue;
      }
      if (r < 0) continue;
      c.in.append(buf, static_cast<size_t>(r));
      std::string_view payload;
      long used = parse_reply(c.in, payload);
      if (used == 0) continue;
      if (used < 0 || static_cast<size_t>(used) != c.in.size()) {  // malformed or unsolicited bytes
        drop(c);
        continue;
      }
      auto now = Clock::now();
      res.lat_ns.push_back(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.started).count()));
      classify(payload, res.counts);
      res.last_done = now;
      c.busy = false;
      if (may_issue(sh) && !send_next(sh, c)) drop(c);
    }
    if (n == 0) continue;
  }
  for (auto& c : conns) {
    if (c.fd >= 0) {
      if (c.busy) ++res.counts.errors;  // no reply before the hard stop
      close(c.fd);
    }
  }
  close(ep);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Options opt(argc, argv,
                     {{"connect", ""},
                      {"keys", ""},
                      {"name", "mailbox"},
                      {"conns", "8"},
                      {"threads", "1"},
                      {"duration", "3"},
                      {"requests", "0"},
                      {"order", "random"},
                      {"seed", "1"}},
                     kUsage);
  if (opt.str("connect").empty() || opt.str("keys").empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  Shared sh;
  sh.connect = opt.str("connect");
  sh.name = opt.str("name");
  sh.keys = bench::load_keys(opt.str("keys"));
  bench::KeyPicker picker(sh.keys.size(), opt.str("order") != "seq");
  sh.picker = &picker;
  sh.max_requests = opt.num("requests");
  long nconns = std::max(1L, opt.num("conns"));
  long nthreads = std::min(nconns, std::max(1L, opt.num("threads")));

  std::vector<std::vector<Conn>> groups(static_cast<size_t>(nthreads));
  for (long i = 0; i < nconns; ++i) {
    Conn c;
    c.fd = connect_to(sh.connect);
    if (c.fd < 0) {
      std::fprintf(stderr, "fatal: cannot connect to %s: %s\n", sh.connect.c_str(), std::strerror(errno));
      return 1;
    }
    c.rng = static_cast<uint64_t>(opt.num("seed")) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(i) + 1;
    groups[static_cast<size_t>(i % nthreads)].push_back(std::move(c));
  }
  std::vector<ThreadResult> results(static_cast<size_t>(nthreads));
  double cpu0 = bench::cpu_seconds();
  auto start = Clock::now();
  sh.deadline = start + std::chrono::milliseconds(static_cast<long>(opt.real("duration") * 1000));
  if (sh.max_requests > 0) sh.deadline = start + std::chrono::hours(1);
  std::vector<std::thread> threads;
  for (long t = 1; t < nthreads; ++t) {
    threads.emplace_back(run_thread, std::ref(sh), std::ref(groups[static_cast<size_t>(t)]),
                         std::ref(results[static_cast<size_t>(t)]));
  }
  run_thread(sh, groups[0], results[0]);
  for (auto& th : threads) th.join();

  bench::Counts total;
  std::vector<uint64_t> lat;
  auto end = start;
  for (auto& r : results) {
    total.add(r.counts);
    lat.insert(lat.end(), r.lat_ns.begin(), r.lat_ns.end());
    end = std::max(end, r.last_done);
  }
  double secs = std::chrono::duration<double>(end - start).count();
  bench::print_result("loadgen", sh.connect, nconns, nthreads, total, secs, bench::cpu_seconds() - cpu0, lat);
  return total.ok == 0 ? 3 : 0;
}
