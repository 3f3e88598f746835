// authbench.cc - authdaemond-protocol load generator, the client behaviour
// of Cyrus SASL 2.1.28's authdaemond verifier (lib/checkpw.c): one new
// unix-socket connection per login, "AUTH <n>\n<service>\nlogin\n<user>\n<pw>\n\n",
// read until EOF, "." = ok, "FAIL" = rejected, anything else = error.
// Same client for saslcheck and Courier authdaemond, so only the server differs.
//
//   authbench SOCKET USERS_FILE CLIENTS SECONDS   (USERS_FILE: "user password" lines)
//   authbench --md5crypt-ceiling SECONDS          one md5crypt's time (wall and CPU) and cores
// Prints one line of key=value pairs. A benchmark tool, not a test.
#include <crypt.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Login {
  std::string user, password;
};

enum class Result { Ok, Fail, Error };

// login_once - one Cyrus-style exchange on a fresh connection.
Result login_once(const std::string& path, const Login& l) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return Result::Error;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return Result::Error;
  }
  std::string payload = "smtp\nlogin\n" + l.user + "\n" + l.password + "\n";
  std::string req = "AUTH " + std::to_string(payload.size()) + "\n" + payload + "\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return Result::Error;
  }
  std::string reply;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t pos = 0;
  while (pos < reply.size()) {
    size_t nl = reply.find('\n', pos);
    std::string line = reply.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (line == ".") return Result::Ok;
    if (line == "FAIL") return Result::Fail;
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return Result::Error;
}

// ceiling - one md5crypt's time on one thread, cores / that time (the
// issue's ceiling), and the rate of `cores` threads hashing at once (what the
// machine really gives now, e.g. when other jobs share it).
int ceiling(double seconds) {
  const char* setting = "$1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/";
  auto hash_for = [&](double secs) {
    crypt_data data{};
    long n = 0;
    auto end = Clock::now() + std::chrono::duration<double>(secs);
    while (Clock::now() < end) {
      for (int i = 0; i < 100; ++i) crypt_rn("password", setting, &data, sizeof data);
      n += 100;
    }
    return n;
  };
  auto thread_cpu_us = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  auto t0 = Clock::now();
  double cpu0 = thread_cpu_us();
  long n = hash_for(seconds);
  double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / static_cast<double>(n);
  // CPU time, unlike wall time, does not grow when other jobs share the cores.
  double cpu_us = (thread_cpu_us() - cpu0) / static_cast<double>(n);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  std::atomic<long> total{0};
  std::vector<std::thread> threads;
  t0 = Clock::now();
  for (long c = 0; c < cores; ++c) threads.emplace_back([&] { total += hash_for(seconds); });
  for (auto& t : threads) t.join();
  double parallel =
      static_cast<double>(total.load()) / std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("md5crypt_us=%.1f md5crypt_cpu_us=%.1f cores=%ld ceiling_per_s=%.0f parallel_per_s=%.0f\n", us,
              cpu_us, cores, static_cast<double>(cores) * 1e6 / us, parallel);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--md5crypt-ceiling") == 0) return ceiling(std::atof(argv[2]));
  if (argc != 5) {
    std::fprintf(stderr, "usage: authbench SOCKET USERS_FILE CLIENTS SECONDS | --md5crypt-ceiling SECONDS\n");
    return 64;
  }
  std::string path = argv[1];
  std::vector<Login> logins;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) {
    size_t sp = line.find(' ');
    if (sp != std::string::npos) logins.push_back({line.substr(0, sp), line.substr(sp + 1)});
  }
  if (logins.empty()) return 64;
  int clients = std::atoi(argv[3]);
  double seconds = std::atof(argv[4]);
  std::atomic<long> ok{0}, fail{0}, err{0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  auto t0 = Clock::now();
  auto end = t0 + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      size_t i = static_cast<size_t>(c) * 7919;
      while (Clock::now() < end) {
        const Login& l = logins[i++ % logins.size()];
        auto s = Clock::now();
        Result r = login_once(path, l);
        lat[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - s).count());
        (r == Result::Ok ? ok : r == Result::Fail ? fail : err)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  std::printf("clients=%d ok=%ld fail=%ld errors=%ld rate=%.0f p50_us=%.0f p99_us=%.0f\n", clients, ok.load(),
              fail.load(), err.load(), static_cast<double>(ok.load()) / elapsed, pct(0.50), pct(0.99));
  return 0;
}
