// test_event_server.cc - EventServer + StreamConnection + WorkerPool with a line session.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

#include "core/server/event_server.h"
#include "tests/unit/server/echo_session.h"
#include "tests/unit/server/test_support.h"

using namespace test_server;
using core::server::ListenOptions;
using Clock = std::chrono::steady_clock;

namespace {

ListenOptions options(size_t max_input = 4096, int idle_s = 5, size_t max_conn = 100) {
  ListenOptions o;
  o.max_input = max_input;
  o.idle_timeout = std::chrono::seconds(idle_s);
  o.max_connections = max_conn;
  return o;
}

}  // namespace

TEST_CASE("server replies on unix and inet listeners", "[unit]") {
  TempDir dir;
  for (std::string address : {"unix:" + dir.path + "/echo.sock", std::string("inet:127.0.0.1:0")}) {
    EchoServer s(address, options());
    REQUIRE(s.ok());
    s.start();
    INFO(s.address());
    int fd = connect_to(s.address());
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, "hello\nsecond\n"));
    CHECK(read_line(fd) == "echo hello");
    CHECK(read_line(fd) == "echo second");
    REQUIRE(send_all(fd, "quit\n"));
    CHECK(read_line(fd) == "bye");
    CHECK(wait_closed(fd));
    close(fd);
  }
}

TEST_CASE("unix socket gets the configured mode and is removed at stop", "[unit]") {
  TempDir dir;
  std::string path = dir.path + "/m.sock";
  auto o = options();
  o.unix_mode = 0660;
  {
    EchoServer s("unix:" + path, o);
    REQUIRE(s.ok());
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0660);
    s.start();
  }
  struct stat st {};
  CHECK(stat(path.c_str(), &st) != 0);
}

TEST_CASE("input split across reads is joined", "[unit]") {
  EchoServer s("inet:127.0.0.1:0", options());
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  REQUIRE(fd >= 0);
  REQUIRE(send_all(fd, "hel"));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  REQUIRE(send_all(fd, "lo\nwor"));
  CHECK(read_line(fd) == "echo hello");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  REQUIRE(send_all(fd, "ld\n"));
  CHECK(read_line(fd) == "echo world");
  close(fd);
}

TEST_CASE("unconsumed input over max_input closes with one warning", "[unit]") {
  LogCapture logs;
  EchoServer s("inet:127.0.0.1:0", options(256));
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  REQUIRE(fd >= 0);
  REQUIRE(send_all(fd, "ok\n"));
  CHECK(read_line(fd) == "echo ok");
  send_all(fd, std::string(1000, 'x'));
  CHECK(wait_closed(fd));
  close(fd);
  CHECK(logs.count("without a complete request (limit 256); closing") == 1);
}

TEST_CASE("idle clients are closed silently after idle_timeout", "[unit]") {
  LogCapture logs;
  EchoServer s("inet:127.0.0.1:0", options(4096, 1));
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  REQUIRE(fd >= 0);
  REQUIRE(send_all(fd, "partial"));  // no complete request: does not count as activity
  auto t0 = Clock::now();
  CHECK(wait_closed(fd));
  auto waited = Clock::now() - t0;
  CHECK(waited >= std::chrono::milliseconds(800));
  CHECK(waited < std::chrono::milliseconds(2500));
  close(fd);
  CHECK(logs.count("warning") == 0);
}

TEST_CASE("max_connections refuses extra clients with one warning per burst", "[unit]") {
  LogCapture logs;
  EchoServer s("inet:127.0.0.1:0", options(4096, 5, 2));
  REQUIRE(s.ok());
  s.start();
  int a = connect_to(s.address());
  int b = connect_to(s.address());
  REQUIRE(send_all(a, "a\n"));
  REQUIRE(send_all(b, "b\n"));
  CHECK(read_line(a) == "echo a");
  CHECK(read_line(b) == "echo b");
  for (int i = 0; i < 5; ++i) {
    int extra = connect_to(s.address());
    REQUIRE(extra >= 0);
    CHECK(wait_closed(extra));
    close(extra);
  }
  CHECK(logs.count("testd_max_connections") == 1);
  close(a);  // a client that leaves frees its slot
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int c = connect_to(s.address());
  REQUIRE(send_all(c, "c\n"));
  CHECK(read_line(c) == "echo c");
  close(b);
  close(c);
}

TEST_CASE("300 concurrent clients are served", "[unit]") {
  EchoServer s("inet:127.0.0.1:0", options(4096, 10, 1000));
  REQUIRE(s.ok());
  s.start();
  std::vector<int> fds;
  for (int i = 0; i < 300; ++i) {
    int fd = connect_to(s.address());
    REQUIRE(fd >= 0);
    fds.push_back(fd);
  }
  for (size_t i = 0; i < fds.size(); ++i) REQUIRE(send_all(fds[i], fmt::format("n{}\n", i)));
  int good = 0;
  for (size_t i = 0; i < fds.size(); ++i) good += read_line(fds[i]) == fmt::format("echo n{}", i);
  CHECK(good == 300);
  for (int fd : fds) close(fd);
}

TEST_CASE("submit runs work on a worker and done on the loop, in request order", "[unit]") {
  EchoServer s("inet:127.0.0.1:0", options());
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  REQUIRE(send_all(fd, "slow a\nnext\nslow b\n"));
  CHECK(read_line(fd) == "done a");
  CHECK(read_line(fd) == "echo next");
  CHECK(read_line(fd) == "done b");
  CHECK(s.shared().work_ran == 2);
  CHECK(s.shared().done_on_loop == 2);
  CHECK(s.shared().done_elsewhere == 0);
  close(fd);
}

TEST_CASE("client half-close still gets pending replies, then EOF", "[unit]") {
  EchoServer s("unix:/tmp/vmk-halfclose-" + std::to_string(getpid()) + ".sock", options());
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  REQUIRE(send_all(fd, "slow z\nlast\n"));
  shutdown(fd, SHUT_WR);
  CHECK(read_line(fd) == "done z");
  CHECK(read_line(fd) == "echo last");
  CHECK(read_line(fd) == "<eof>");
  close(fd);
}

TEST_CASE("closed clients are cleaned up", "[unit]") {
  EchoServer s("inet:127.0.0.1:0", options(4096, 5, 1));
  REQUIRE(s.ok());
  s.start();
  for (int i = 0; i < 3; ++i) {  // with max_connections = 1, a leak would refuse the next client
    int fd = connect_to(s.address());
    REQUIRE(send_all(fd, "x\n"));
    CHECK(read_line(fd) == "echo x");
    close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TEST_CASE("every() fires on the loop thread", "[unit]") {
  EchoServer s("inet:127.0.0.1:0", options());
  REQUIRE(s.ok());
  std::atomic<int> ticks{0};
  s.server().every(std::chrono::seconds(1), [&] { ++ticks; });
  s.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  CHECK(ticks >= 1);
}

TEST_CASE("listen errors are clear", "[unit]") {
  TempDir dir;
  EchoServer first("inet:127.0.0.1:0", options());
  REQUIRE(first.ok());
  EchoServer clash(first.address(), options());
  CHECK_FALSE(clash.ok());
  CHECK_THAT(clash.error(), Catch::Contains("cannot bind inet:127.0.0.1:") && Catch::Contains("in use"));

  std::string file = dir.path + "/plain";
  fclose(fopen(file.c_str(), "w"));
  EchoServer notsock("unix:" + file, options());
  CHECK_THAT(notsock.error(), Catch::Contains("is not a socket"));

  EchoServer live("unix:" + dir.path + "/live.sock", options());
  REQUIRE(live.ok());
  EchoServer twice("unix:" + dir.path + "/live.sock", options());
  CHECK_THAT(twice.error(), Catch::Contains("already listening"));

  EchoServer bad("tcp:1", options());
  CHECK_THAT(bad.error(), Catch::Contains("expected unix:/path or inet:host:port"));
}

TEST_CASE("pipelined requests beyond max_input are fine while the session is paused", "[unit]") {
  LogCapture logs;
  EchoServer s("inet:127.0.0.1:0", options(256));
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  std::string batch = "slow p\n";
  for (int i = 0; i < 100; ++i) batch += fmt::format("r{}\n", i);  // ~500 bytes waiting behind "slow p"
  REQUIRE(send_all(fd, batch));
  CHECK(read_line(fd) == "done p");
  int good = 0;
  for (int i = 0; i < 100; ++i) good += read_line(fd) == fmt::format("echo r{}", i);
  CHECK(good == 100);
  CHECK(logs.count("warning") == 0);
  close(fd);
}

TEST_CASE("a client that does not read replies stops being read", "[unit]") {
  TempDir dir;
  EchoServer s("unix:" + dir.path + "/slow.sock", options(4096, 10));
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  fcntl(fd, F_SETFL, O_NONBLOCK);
  const std::string line = std::string(99, 'q') + "\n";
  std::string chunk;
  for (int i = 0; i < 100; ++i) chunk += line;  // 10000 bytes, whole lines
  size_t sent = 0;
  auto last_progress = Clock::now();
  while (sent < 20'000'000 && Clock::now() - last_progress < std::chrono::milliseconds(300)) {
    ssize_t n =
        ::send(fd, chunk.data() + sent % chunk.size(), chunk.size() - sent % chunk.size(), MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      last_progress = Clock::now();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  CHECK(sent < 8'000'000);  // without backpressure the server would swallow all 20 MB
  fcntl(fd, F_SETFL, 0);
  // Finish the last line, then every request still gets its reply.
  size_t partial = sent % line.size();
  if (partial != 0) REQUIRE(send_all(fd, line.substr(partial)));
  size_t lines = (sent + line.size() - 1) / line.size();
  shutdown(fd, SHUT_WR);
  std::string want = "echo " + line.substr(0, 99);
  size_t good = 0;
  for (size_t i = 0; i < lines; ++i) good += read_line(fd) == want;
  CHECK(good == lines);
  CHECK(read_line(fd) == "<eof>");
  close(fd);
}

TEST_CASE("out of descriptors: accepting pauses, warns, and resumes", "[unit]") {
  LogCapture logs;
  EchoServer s("inet:127.0.0.1:0", options());
  REQUIRE(s.ok());
  s.start();
  // The client socket exists before the limit drops; connect() needs no new descriptor.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(std::stoi(s.address().substr(s.address().rfind(':') + 1))));
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
  rlimit low = old;
  int lowest_free = dup(0);  // descriptors are allocated lowest first
  close(lowest_free);
  low.rlim_cur = static_cast<rlim_t>(lowest_free);  // no descriptor left for accept()
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  for (int i = 0; i < 200 && logs.count("pausing new connections for 1s") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(setrlimit(RLIMIT_NOFILE, &old) == 0);
  REQUIRE(rc == 0);
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  CHECK(logs.count("pausing new connections for 1s") == 1);  // not a busy loop of warnings
  REQUIRE(send_all(fd, "late\n"));
  CHECK(read_line(fd) == "echo late");
  close(fd);
}
