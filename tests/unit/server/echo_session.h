// echo_session.h - test fixtures: a line protocol Session on an EventServer
// running in a background thread, and a blocking test client.
//
// Requests are lines. "slow TEXT" answers "done TEXT\n" after a worker job
// (pausing input meanwhile); "hang" starts a 10 s worker job; "quit" closes; anything else is echoed as
// "echo TEXT\n". EchoServer records on which thread DONE ran.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "core/server/event_server.h"

namespace test_server {

using core::server::Connection;

struct Shared {
  std::atomic<std::thread::id> loop_thread{};
  std::atomic<int> done_on_loop{0};
  std::atomic<int> done_elsewhere{0};
  std::atomic<int> work_ran{0};
  core::server::Server* server = nullptr;
};

class LineSession final : public core::server::Session {
 public:
  explicit LineSession(Shared* shared) : shared_(shared) {}
  size_t on_input(const std::shared_ptr<Connection>& conn, std::string_view input) override {
    size_t nl = input.find('\n');
    if (nl == std::string_view::npos) return 0;
    std::string line(input.substr(0, nl));
    if (line == "quit") {
      conn->write("bye\n");
      conn->close();
    } else if (line == "hang") {  // a lookup stuck far longer than any shutdown may wait
      shared_->server->submit([] { std::this_thread::sleep_for(std::chrono::seconds(10)); }, [] {});
      conn->write("hanging\n");
    } else if (line.starts_with("slow ")) {
      conn->pause_input();
      std::weak_ptr<Connection> weak = conn;
      Shared* s = shared_;
      std::string text = line.substr(5);
      s->server->submit(
          [s] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            ++s->work_ran;
          },
          [s, weak, text] {
            if (std::this_thread::get_id() == s->loop_thread.load())
              ++s->done_on_loop;
            else
              ++s->done_elsewhere;
            auto c = weak.lock();
            if (!c || c->closed()) return;
            c->write("done " + text + "\n");
            c->resume_input();
          });
    } else {
      conn->write("echo " + line + "\n");
    }
    return nl + 1;
  }

 private:
  Shared* shared_;
};

// EchoServer - an EventServer with a LineSession listener, run in a thread.
class EchoServer {
 public:
  EchoServer(const std::string& address, core::server::ListenOptions options, size_t threads = 2)
      : server_("testd", threads) {
    shared_.server = &server_;
    auto st = server_.listen(address, options, [this](const std::shared_ptr<Connection>&) {
      shared_.loop_thread = std::this_thread::get_id();
      return std::make_unique<LineSession>(&shared_);
    });
    ok_ = st.ok();
    if (!ok_)
      error_ = st.error().text;
    else
      address_ = server_.bound_addresses().at(0);
  }
  void start() {
    thread_ = std::thread([this] { server_.run(); });
  }
  ~EchoServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& address() const { return address_; }
  Shared& shared() { return shared_; }
  core::server::EventServer& server() { return server_; }

 private:
  core::server::EventServer server_;
  Shared shared_;
  std::thread thread_;
  bool ok_ = false;
  std::string error_;
  std::string address_;
};

// connect_to - blocking client socket for "unix:/p" or "inet:127.0.0.1:port"; -1 on failure.
inline int connect_to(const std::string& address, int timeout_ms = 3000) {
  int fd = -1;
  if (address.starts_with("unix:")) {
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::string path = address.substr(5);
    std::memcpy(sun.sun_path, path.data(), path.size());
    if (connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
      close(fd);
      return -1;
    }
  } else {
    std::string rest = address.substr(5);
    size_t colon = rest.rfind(':');
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(std::stoi(rest.substr(colon + 1))));
    inet_pton(AF_INET, rest.substr(0, colon).c_str(), &sin.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
      close(fd);
      return -1;
    }
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// read_line - one line without the newline; "<eof>" or "<timeout>" otherwise.
inline std::string read_line(int fd) {
  std::string out;
  char c;
  for (;;) {
    ssize_t n = ::recv(fd, &c, 1, 0);
    if (n == 0) return out.empty() ? "<eof>" : out + "<eof>";
    if (n < 0) return out + "<timeout>";
    if (c == '\n') return out;
    out += c;
  }
}

// wait_closed - true if the server closes FD (EOF or reset) within the receive timeout.
inline bool wait_closed(int fd) {
  char buf[256];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

}  // namespace test_server
