// test_listen_socket.cc - address parsing and binding rules.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "core/server/listen_socket.h"
#include "tests/unit/server/test_support.h"

using core::server::ListenAddress;

TEST_CASE("parse_listen_address splits unix and inet forms", "[unit]") {
  struct Case {
    std::string in;
    ListenAddress::Kind want_kind;
    std::string want_path, want_host, want_port;
  };
  std::vector<Case> cases = {
      {"unix:/run/vmailkit/lookupd.sock", ListenAddress::Kind::Unix, "/run/vmailkit/lookupd.sock", "", ""},
      {"inet:127.0.0.1:10060", ListenAddress::Kind::Inet, "", "127.0.0.1", "10060"},
      {"inet:[::1]:10060", ListenAddress::Kind::Inet, "", "::1", "10060"},
      {"inet:*:25", ListenAddress::Kind::Inet, "", "", "25"},
      {"inet::25", ListenAddress::Kind::Inet, "", "", "25"},
      {"inet:localhost:0", ListenAddress::Kind::Inet, "", "localhost", "0"},
  };
  for (const auto& c : cases) {
    auto got = core::server::parse_listen_address(c.in);
    REQUIRE(got.ok());
    CHECK(got->kind == c.want_kind);
    CHECK(got->path == c.want_path);
    CHECK(got->host == c.want_host);
    CHECK(got->port == c.want_port);
  }
  for (std::string bad : {"unix:relative.sock", "unix:", "inet:127.0.0.1", "inet:host:", "tcp:1:2", ""})
    CHECK_FALSE(core::server::parse_listen_address(bad).ok());
}

TEST_CASE("a stale unix socket is replaced", "[unit]") {
  test_server::TempDir dir;
  std::string path = dir.path + "/stale.sock";
  int old = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());
  REQUIRE(bind(old, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0);
  close(old);  // the file stays, nobody listens: a crashed daemon's leftover
  auto fds = core::server::open_listen_sockets(*core::server::parse_listen_address("unix:" + path), {});
  REQUIRE(fds.ok());
  REQUIRE(fds->size() == 1);
  CHECK(core::server::socket_name(fds->at(0)) == "unix:" + path);
  close(fds->at(0));
}

TEST_CASE("inet listeners report their real port; IPv6 loopback works", "[unit]") {
  auto fds = core::server::open_listen_sockets(*core::server::parse_listen_address("inet:127.0.0.1:0"), {});
  REQUIRE(fds.ok());
  std::string name = core::server::socket_name(fds->at(0));
  CHECK_THAT(name, Catch::StartsWith("inet:127.0.0.1:"));
  CHECK(name != "inet:127.0.0.1:0");
  close(fds->at(0));
  auto v6 = core::server::open_listen_sockets(*core::server::parse_listen_address("inet:[::1]:0"), {});
  if (v6.ok()) {  // hosts without IPv6 loopback cannot bind ::1
    CHECK_THAT(core::server::socket_name(v6->at(0)), Catch::StartsWith("inet:[::1]:"));
    close(v6->at(0));
  }
}
