// listen_socket.h - turn "unix:/path" and "inet:host:port" into listening
// sockets, the way Postfix's master binds its services.
//
// unix: a stale socket file is removed first (but a live server on it, or a
// non-socket file, is an error); owner, group and mode from ListenOptions
// are applied after bind. inet: SO_REUSEADDR; "inet:[::1]:port" for IPv6,
// "inet:*:port" or "inet::port" for all addresses; a host name binds every
// address it resolves to (IPv6 sockets are IPV6_V6ONLY).
//
// Returned descriptors are non-blocking, close-on-exec and owned by the
// caller. Errors are Config errors with a message saying what to change.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/server/server.h"

namespace core::server {

struct ListenAddress {
  enum class Kind { Unix, Inet } kind = Kind::Unix;
  std::string path;  // unix
  std::string host;  // inet; "" = any
  std::string port;  // inet
};

// parse_listen_address - split "unix:/path", "inet:host:port", "inet:[v6]:port".
Result<ListenAddress> parse_listen_address(const std::string& address);

// open_listen_sockets - bind and listen; one fd per resolved address.
Result<std::vector<int>> open_listen_sockets(const ListenAddress& address, const ListenOptions& options);

// socket_name - "inet:127.0.0.1:10060" / "inet:[::1]:10060" / "unix:/path" for a bound FD.
std::string socket_name(int fd);

// peer_name - "127.0.0.1:40000", "[::1]:40000" or "unix" for a socket address.
std::string peer_name(const void* sockaddr, size_t length);

}  // namespace core::server
