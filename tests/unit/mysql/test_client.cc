// test_client.cc - the pool's failure handling without a server: dead hosts
// give Retry errors naming the host, each problem is logged once, and a
// failed host is skipped until its back-off ends.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/log/log.h"
#include "core/mysql/client.h"

using namespace core::mysql;

namespace {

struct LogCapture {
  std::vector<std::string> lines;
  LogCapture() {
    core::log::set_sink([this](core::log::Level l, std::string_view t) {
      if (l == core::log::Level::Warning) lines.emplace_back(t);
    });
  }
  ~LogCapture() { core::log::set_sink(nullptr); }
};

Settings dead_hosts(std::vector<std::string> items) {
  Settings s;
  for (const auto& i : items) s.hosts.push_back(*parse_host(i));
  s.dbname = "postfix";
  s.user = "u";
  s.option_group = "";  // keep /etc/mysql out of unit tests
  s.connect_timeout = 2;
  return s;
}

}  // namespace

TEST_CASE("client: unreachable hosts are a Retry error naming them, logged once", "[unit]") {
  LogCapture log;
  Settings s = dead_hosts({"unix:/nonexistent/vmk-a.sock", "inet:127.0.0.1:1"});
  s.lone_retry = std::chrono::seconds(30);
  Client c("mysql:/test.cf", s);
  int builds = 0;
  auto build = [&](const Escaper& esc) {
    ++builds;
    return "SELECT '" + esc("x") + "'";
  };
  auto r = c.query(build);
  REQUIRE(!r);
  CHECK(r.error().kind == core::ErrorKind::Retry);
  CHECK(r.error().text.find("mysql:/test.cf") != std::string::npos);
  CHECK(builds == 0);
  REQUIRE(log.lines.size() == 2);  // one per host
  // UNIX sockets are tried before TCP hosts, as in Postfix.
  CHECK(log.lines[0].find("mysql:/test.cf: connect to mysql server unix:/nonexistent/vmk-a.sock: ") == 0);
  CHECK(log.lines[1].find("connect to mysql server inet:127.0.0.1:1: ") != std::string::npos);

  // Both hosts are backing off: no connect attempt, no new log line, still Retry.
  auto again = c.query(build);
  REQUIRE(!again);
  CHECK(again.error().kind == core::ErrorKind::Retry);
  CHECK(again.error().text.find("no usable mysql server") != std::string::npos);
  CHECK(log.lines.size() == 2);
}

TEST_CASE("client: a lone failed host is retried after the short back-off", "[unit]") {
  LogCapture log;
  Settings s = dead_hosts({"inet:127.0.0.1:1"});
  s.lone_retry = std::chrono::seconds(0);
  Client c("mysql:/lone.cf", s);
  for (int i = 0; i < 3; ++i) {
    auto r = c.query([](const Escaper&) { return std::string("SELECT 1"); });
    REQUIRE(!r);
    // A fresh connect attempt each time: the error names the connect failure.
    CHECK(r.error().text.find("connect to mysql server inet:127.0.0.1:1") != std::string::npos);
  }
  CHECK(log.lines.size() == 1);  // same problem, logged once
}
