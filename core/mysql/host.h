// host.h - one entry of a mysql_table(5) "hosts" list.
//
// Parsing follows Postfix 3.7 dict_mysql.c host_init(): "unix:/path",
// "inet:host[:port]" or "host[:port]" (= inet); "localhost" in any form
// (even inet:localhost:3306) means the client library's default UNIX socket.
// A port may be a number or a service name (getservbyname "tcp").
// Values; no shared state. Errors: Config for an unusable item.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace core::mysql {

struct Host {
  enum class Kind { Unix, Inet };
  Kind kind = Kind::Inet;
  std::string name;   // socket path (Unix, "" = library default) or host name (Inet)
  unsigned port = 0;  // 0 = library default (3306)
  std::string text;   // as shown in log lines: "unix:/path" or "inet:host:port"

  bool unix_socket() const { return kind == Kind::Unix; }
};

// parse_host - one list item.
Result<Host> parse_host(std::string_view item);
// parse_hosts - a whole "hosts" value (commas/white space); empty = "localhost".
Result<std::vector<Host>> parse_hosts(std::string_view list);

}  // namespace core::mysql
