// client_socket.h - one persistent client stream for socketmap: and tcp: tables.
//
// Endpoint strings are Postfix's: "unix:PATH" (or "local:PATH"),
// "inet:HOST:PORT", with IPv6 as "inet:[::1]:PORT". parse_endpoint() checks
// them at table-open time.
//
// ClientSocket::exchange() sends one request and reads one reply in
// lockstep, as Postfix's auto_clnt does: the connection is opened on first
// use and kept; if the server closed it (EOF or reset, not a timeout), the
// socket reconnects and resends once. The whole exchange must finish within
// the timeout (poll-based; the socket is non-blocking; SIGPIPE is never
// raised). Every failure - connect, I/O, timeout, malformed reply, bytes
// after the reply - closes the connection and comes back as a Retry error.
//
// Not thread-safe: the owning table serialises calls with its own mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace core::config {
class Config;
}

namespace core::proto {

// Parameter for the socketmap: and tcp: client timeout (whole exchange).
inline constexpr std::string_view kClientTimeoutParam = "table_client_timeout";
inline constexpr std::chrono::milliseconds kDefaultClientTimeout{10000};
// client_timeout - CONFIG's table_client_timeout (Postfix time units) if set, else 10s.
Result<std::chrono::milliseconds> client_timeout(const config::Config* config);

struct Endpoint {
  bool unix_socket = false;
  std::string path;  // unix
  std::string host;  // inet, without brackets
  std::string port;  // inet
  std::string text;  // as written, for messages
};

// parse_endpoint - "unix:PATH", "local:PATH" or "inet:HOST:PORT" ([v6] allowed).
Result<Endpoint> parse_endpoint(std::string_view text);
// parse_host_port - "HOST:PORT" or "[V6]:PORT" as an inet Endpoint.
Result<Endpoint> parse_host_port(std::string_view text);

// What a reply reader says about the bytes received so far.
struct ReplyFrame {
  enum class State { NeedMore, Done, Malformed };
  State state = State::NeedMore;
  std::string reply;    // Done: the reply (payload or line without LF)
  size_t consumed = 0;  // Done: bytes used
  std::string why;      // Malformed: reason
};
using ReplyReader = std::function<ReplyFrame(std::string_view buffered)>;

class ClientSocket {
 public:
  ClientSocket(Endpoint endpoint, std::chrono::milliseconds timeout)
      : endpoint_(std::move(endpoint)), timeout_(timeout) {}
  ~ClientSocket() { close(); }
  ClientSocket(const ClientSocket&) = delete;
  ClientSocket& operator=(const ClientSocket&) = delete;

  // exchange - send REQUEST, return the reply READER extracts; Retry errors only.
  Result<std::string> exchange(std::string_view request, const ReplyReader& reader);
  void close();
  bool connected() const { return fd_ >= 0; }
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Io { Ok, Closed, Failed };
  Status connect(Clock::time_point deadline);
  bool peer_closed();
  Io write_all(std::string_view data, Clock::time_point deadline, std::string& why);
  Io read_reply(const ReplyReader& reader, Clock::time_point deadline, std::string& reply, std::string& why);
  bool wait(short events, Clock::time_point deadline);

  Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
};

}  // namespace core::proto
