// test_stream_connection.cc - StreamConnection's timers and close-after-flush
// (plain read/send on the socket, one idle/write timer per connection).
#include <fcntl.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/server/event_server.h"
#include "tests/unit/server/echo_session.h"
#include "tests/unit/server/test_support.h"

using namespace test_server;
using Clock = std::chrono::steady_clock;

namespace {

core::server::ListenOptions options(int idle_s) {
  core::server::ListenOptions o;
  o.max_input = 4096;
  o.idle_timeout = std::chrono::seconds(idle_s);
  return o;
}

}  // namespace

TEST_CASE("a client asking more often than idle_timeout stays; then idles out", "[unit]") {
  LogCapture logs;
  EchoServer s("inet:127.0.0.1:0", options(1));
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  REQUIRE(fd >= 0);
  // 2.4 s of requests 300 ms apart: the 1 s idle timer must be pushed back each time.
  for (int i = 0; i < 8; ++i) {
    REQUIRE(send_all(fd, "ping " + std::to_string(i) + "\n"));
    CHECK(read_line(fd) == "echo ping " + std::to_string(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  auto t0 = Clock::now();
  CHECK(wait_closed(fd));
  auto waited = Clock::now() - t0;
  CHECK(waited >= std::chrono::milliseconds(500));  // 1 s after the last request, 300 ms of it slept
  CHECK(waited < std::chrono::milliseconds(2500));
  close(fd);
  CHECK(logs.count("warning") == 0);
}

TEST_CASE("quit behind a long pipeline: every reply, then bye, then EOF", "[unit]") {
  TempDir dir;
  EchoServer s("unix:" + dir.path + "/flush.sock", options(10));
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  REQUIRE(fd >= 0);
  // About 600 kB of replies: far more than a socket buffer, so close()
  // finds queued output and must send it all before closing.
  std::string line(199, 'x');
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += line + "\n";
  std::thread writer([&] {
    for (int i = 0; i < 30; ++i) send_all(fd, batch);
    send_all(fd, "quit\n");
  });
  size_t good = 0;
  for (int i = 0; i < 3000; ++i) good += read_line(fd) == "echo " + line;
  writer.join();
  CHECK(good == 3000);
  CHECK(read_line(fd) == "bye");
  CHECK(read_line(fd) == "<eof>");
  close(fd);
}

TEST_CASE("a client that stops reading its replies is dropped after idle_timeout", "[unit]") {
  TempDir dir;
  EchoServer s("unix:" + dir.path + "/stuck.sock", options(1));
  REQUIRE(s.ok());
  s.start();
  int fd = connect_to(s.address());
  REQUIRE(fd >= 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  const std::string line = std::string(99, 'q') + "\n";
  std::string chunk;
  for (int i = 0; i < 100; ++i) chunk += line;
  // Send until the server stops reading (its replies fill both socket buffers).
  size_t sent = 0;
  auto last_progress = Clock::now();
  while (Clock::now() - last_progress < std::chrono::milliseconds(300)) {
    ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      last_progress = Clock::now();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // Neither reading nor sending now: the server's queued output makes no
  // progress for idle_timeout, so it drops the client with replies unsent.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  fcntl(fd, F_SETFL, 0);
  size_t bytes = 0;
  char buf[65536];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) bytes += static_cast<size_t>(n);
  CHECK((n == 0 || errno == ECONNRESET));  // closed by the server, not a receive timeout
  CHECK(bytes > 0);
  CHECK(bytes < sent + sent / 20);  // "echo " adds 5%: not every reply came
  close(fd);
}
