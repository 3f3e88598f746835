// fake_server.h - a tiny scripted lookup server for client-table tests.
//
// FakeServer listens on a unix socket in a fresh temp dir or on
// 127.0.0.1:<ephemeral>, serves each connection in its own thread, splits requests by netstring or by line,
// and sends back whatever the handler returns for each request (the handler must be thread-safe if several
// clients connect at once) (raw bytes, framing included). An empty string from the handler closes the
// connection without a reply. Counters are atomic; stop() (or the destructor) joins the thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/proto/netstring.h"

namespace test {

class FakeServer {
 public:
  enum class Framing { Netstring, Line };
  using Handler = std::function<std::string(const std::string& request)>;

  // unix_socket - listen on DIR/s in a new temp dir; endpoint() = "unix:DIR/s".
  static std::unique_ptr<FakeServer> unix_socket(Framing framing, Handler handler) {
    char tmpl[] = "/tmp/vmk-fake-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
    std::string path = std::string(tmpl) + "/s";
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) < 0 || ::listen(fd, 8) < 0)
      throw std::runtime_error("bind unix");
    auto s = std::unique_ptr<FakeServer>(new FakeServer(fd, framing, std::move(handler)));
    s->dir_ = tmpl;
    s->endpoint_ = "unix:" + path;
    s->start();
    return s;
  }

  // inet - listen on 127.0.0.1:0; host_port() = "127.0.0.1:<port>".
  static std::unique_ptr<FakeServer> inet(Framing framing, Handler handler) {
    int port = 0;
    int fd = bind_loopback(&port);
    auto s = std::unique_ptr<FakeServer>(new FakeServer(fd, framing, std::move(handler)));
    s->host_port_ = "127.0.0.1:" + std::to_string(port);
    s->endpoint_ = "inet:" + s->host_port_;
    s->start();
    return s;
  }

  // dead_port - a loopback port nobody listens on (bound, then closed).
  static int dead_port() {
    int port = 0;
    ::close(bind_loopback(&port));
    return port;
  }

  ~FakeServer() {
    stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
  }

  const std::string& endpoint() const { return endpoint_; }
  const std::string& host_port() const { return host_port_; }
  int connections() const { return connections_; }
  int requests() const { return requests_; }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }

 private:
  FakeServer(int fd, Framing framing, Handler handler)
      : listen_fd_(fd), framing_(framing), handler_(std::move(handler)) {}

  static int bind_loopback(int* port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sin);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), len) < 0 || ::listen(fd, 8) < 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) < 0)
      throw std::runtime_error("bind inet");
    *port = ntohs(sin.sin_port);
    return fd;
  }

  void start() {
    thread_ = std::thread([this] { run(); });
  }

  bool readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void run() {
    while (readable(listen_fd_)) {
      int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++connections_;
      std::lock_guard<std::mutex> l(mu_);
      workers_.emplace_back([this, c] {
        serve(c);
        ::close(c);
      });
    }
    for (auto& w : workers_) w.join();  // no accepts now: workers_ is stable
  }

  // serve - answer requests on C until the client or the handler closes.
  void serve(int c) {
    std::string buf;
    char chunk[4096];
    while (readable(c)) {
      ssize_t n = ::recv(c, chunk, sizeof(chunk), 0);
      if (n <= 0) return;
      buf.append(chunk, static_cast<size_t>(n));
      for (;;) {
        std::string request;
        if (framing_ == Framing::Netstring) {
          auto f = core::proto::decode_netstring(buf, 1 << 20);
          if (f.failed()) return;
          if (f.need_more()) break;
          request = std::string(f.payload);
          buf.erase(0, f.consumed);
        } else {
          size_t lf = buf.find('\n');
          if (lf == std::string::npos) break;
          request = buf.substr(0, lf);
          buf.erase(0, lf + 1);
        }
        ++requests_;
        {
          std::lock_guard<std::mutex> l(mu_);
          seen_.push_back(request);
        }
        std::string reply = handler_(request);
        if (reply.empty()) return;
        if (::send(c, reply.data(), reply.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(reply.size())) return;
      }
    }
  }

  int listen_fd_;
  Framing framing_;
  Handler handler_;
  std::string dir_, endpoint_, host_port_;
  std::thread thread_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0}, requests_{0};
  std::mutex mu_;
  std::vector<std::string> seen_;
};

}  // namespace test
