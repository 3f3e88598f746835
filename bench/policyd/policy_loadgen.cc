// policy_loadgen.cc - Postfix policy delegation load generator (benchmark
// tool, not a test).
//
// Opens --conns persistent connections to a policy server and drives each in
// strict lockstep (send one request, wait for its reply, next), as an smtpd
// process does. One epoll loop per thread (--threads, default 1: on a 2-core
// machine one thread leaves the other core to the server). Requests come
// from a request file (policy_request.h), picked at random or in order; runs
// for --duration seconds or --requests requests; records every answered
// request's latency and prints one JSON line (bench_util.h print_result).
// Counts: ok = the action's first word is the line's expect= word (any action
// when the line has none, or with --check=0); temp = another answer that is
// a 4xx / DEFER* (a database problem in the server); perm = another wrong
// answer; errors = a reply without action, garbage, or a dropped connection.
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
#include "bench/policyd/policy_request.h"

namespace {

using Clock = std::chrono::steady_clock;

const char* kUsage =
    "usage: policy_loadgen --connect=unix:/path|inet:host:port --requests-file=FILE\n"
    "  [--conns=8] [--threads=1] [--duration=3] [--requests=0] [--order=random|seq] [--seed=1] [--check=1]\n"
    "  --requests=N stops after N requests in total (overrides --duration);\n"
    "  --check=0 counts any action as ok (for the do-nothing ceiling server).\n";

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
  const bench::PolicyRequest* req = nullptr;
  size_t sent = 0;
  std::string in;  // reply bytes so far
  Clock::time_point started;
  uint64_t rng = 0;
  bool busy = false;
};

struct Shared {
  std::vector<bench::PolicyRequest> requests;
  bench::KeyPicker* picker = nullptr;
  bool check = true;
  Clock::time_point deadline;
  long max_requests = 0;  // 0 = use deadline
  std::atomic<long> issued{0};
};

struct ThreadResult {
  bench::Counts counts;
  std::vector<uint64_t> lat_ns;
  Clock::time_point last_done;
};

// classify - count one reply's ACTION against what the request expected.
void classify(std::string_view action, const bench::PolicyRequest& req, bool check, bench::Counts& c) {
  if (action.empty()) {
    ++c.errors;
    return;
  }
  std::string word = bench::upper(action.substr(0, action.find_first_of(" \t")));
  if (!check || req.expect.empty() || word == req.expect)
    ++c.ok;
  else if (word[0] == '4' || word.rfind("DEFER", 0) == 0)
    ++c.temp;
  else
    ++c.perm;
}

// may_issue - whether another request may start now (count or time budget left).
bool may_issue(Shared& sh) {
  if (sh.max_requests > 0) return sh.issued.fetch_add(1, std::memory_order_relaxed) < sh.max_requests;
  return Clock::now() < sh.deadline;
}

// send_next - send the next request on C; false when C failed.
bool send_next(Shared& sh, Conn& c) {
  c.req = &sh.requests[sh.picker->next(c.rng)];
  c.sent = 0;
  c.in.clear();
  c.busy = true;
  c.started = Clock::now();
  ssize_t n = write(c.fd, c.req->text.data(), c.req->text.size());
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
      if (c.busy && c.sent < c.req->text.size()) {  // finish a partial write
        ssize_t w = write(c.fd, c.req->text.data() + c.sent, c.req->text.size() - c.sent);
        if (w > 0) c.sent += static_cast<size_t>(w);
      }
      ssize_t r = read(c.fd, buf, sizeof buf);
      if (r == 0 || (r < 0 && errno != EAGAIN)) {
        drop(c);
        continue;
      }
      if (r < 0) continue;
      c.in.append(buf, static_cast<size_t>(r));
      size_t end = c.in.find("\n\n");
      if (end == std::string::npos && !(c.in.size() == 1 && c.in[0] == '\n')) {
        if (c.in.size() > 65536) drop(c);  // garbage without an end
        continue;
      }
      if (end == std::string::npos || end + 2 != c.in.size() || !c.busy) {  // empty reply or unsolicited bytes
        drop(c);
        continue;
      }
      auto now = Clock::now();
      res.lat_ns.push_back(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.started).count()));
      classify(bench::reply_action(c.in), *c.req, sh.check, res.counts);
      res.last_done = now;
      c.busy = false;
      if (may_issue(sh) && !send_next(sh, c)) drop(c);
    }
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
                      {"requests-file", ""},
                      {"conns", "8"},
                      {"threads", "1"},
                      {"duration", "3"},
                      {"requests", "0"},
                      {"order", "random"},
                      {"seed", "1"},
                      {"check", "1"}},
                     kUsage);
  if (opt.str("connect").empty() || opt.str("requests-file").empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  Shared sh;
  sh.requests = bench::build_requests(opt.str("requests-file"));
  bench::KeyPicker picker(sh.requests.size(), opt.str("order") != "seq");
  sh.picker = &picker;
  sh.check = opt.num("check") != 0;
  sh.max_requests = opt.num("requests");
  long nconns = std::max(1L, opt.num("conns"));
  long nthreads = std::min(nconns, std::max(1L, opt.num("threads")));

  std::vector<std::vector<Conn>> groups(static_cast<size_t>(nthreads));
  for (long i = 0; i < nconns; ++i) {
    Conn c;
    c.fd = connect_to(opt.str("connect"));
    if (c.fd < 0) {
      std::fprintf(stderr, "fatal: cannot connect to %s: %s\n", opt.str("connect").c_str(), std::strerror(errno));
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
  bench::print_result("policy_loadgen", opt.str("connect"), nconns, nthreads, total, secs,
                      bench::cpu_seconds() - cpu0, lat);
  return total.ok == 0 ? 3 : 0;
}
