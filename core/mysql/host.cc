// host.cc - "hosts" list items as Postfix's dict_mysql.c host_init() reads them.
#include "core/mysql/host.h"

#include <fmt/format.h>
#include <netdb.h>
#include <strings.h>

#include <charconv>

#include "core/config/config.h"

namespace core::mysql {
namespace {

// parse_port - number 1..65535 or a tcp service name.
Result<unsigned> parse_port(std::string_view item, std::string_view port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec == std::errc() && end == port.data() + port.size() && value > 0 && value < 65536) return value;
  std::string name(port);
  if (!name.empty() && (name[0] < '0' || name[0] > '9')) {
    struct servent* se = getservbyname(name.c_str(), "tcp");
    if (se != nullptr) return static_cast<unsigned>(ntohs(static_cast<uint16_t>(se->s_port)));
  }
  return config_error(fmt::format("mysql host \"{}\": bad port \"{}\"", item, port));
}

}  // namespace

// parse_host - split type prefix and port; "localhost" becomes the default socket.
Result<Host> parse_host(std::string_view item) {
  Host h;
  std::string_view rest = item;
  if (rest.substr(0, 5) == "unix:") {
    h.kind = Host::Kind::Unix;
    h.name = std::string(rest.substr(5));
    if (h.name.empty()) return config_error(fmt::format("mysql host \"{}\": empty socket path", item));
    h.text = fmt::format("unix:{}", h.name);
    return h;
  }
  if (rest.substr(0, 5) == "inet:") rest.remove_prefix(5);
  size_t colon = rest.rfind(':');
  std::string_view host = rest;
  if (colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    auto port = parse_port(item, rest.substr(colon + 1));
    if (!port) return port.error();
    h.port = *port;
  }
  if (host.empty()) return config_error(fmt::format("mysql host \"{}\": empty host name", item));
  if (strncasecmp(std::string(host).c_str(), "localhost", 10) == 0 && host.size() == 9) {
    // Postfix: "localhost" means the default UNIX-domain socket, whatever the prefix.
    h = Host{Host::Kind::Unix, "", 0, "unix:(default socket)"};
    return h;
  }
  h.name = std::string(host);
  h.text = h.port ? fmt::format("inet:{}:{}", h.name, h.port) : fmt::format("inet:{}", h.name);
  return h;
}

Result<std::vector<Host>> parse_hosts(std::string_view list) {
  std::vector<std::string> items = config::split_list(list);
  if (items.empty()) items.push_back("localhost");
  std::vector<Host> hosts;
  for (const auto& item : items) {
    auto h = parse_host(item);
    if (!h) return h.error();
    hosts.push_back(std::move(*h));
  }
  return hosts;
}

}  // namespace core::mysql
