// test_client_socket.cc - endpoints, timeout parameter, lockstep exchange.
#include <catch2/catch.hpp>

#include "core/config/config.h"
#include "core/proto/client_socket.h"
#include "tests/unit/proto/fake_server.h"

using namespace core::proto;
using namespace std::chrono_literals;

namespace {

// line_reader - a reply is one LF-terminated line.
ReplyFrame line_reader(std::string_view buf) {
  ReplyFrame f;
  size_t lf = buf.find('\n');
  if (lf == std::string_view::npos) return f;
  f.state = ReplyFrame::State::Done;
  f.reply = std::string(buf.substr(0, lf));
  f.consumed = lf + 1;
  return f;
}

}  // namespace

TEST_CASE("client_socket: endpoint forms", "[unit]") {
  struct Case {
    std::string text;
    bool want_unix;
    std::string want_path, want_host, want_port;
  };
  std::vector<Case> cases = {
      {"unix:/run/lookupd.sock", true, "/run/lookupd.sock", "", ""},
      {"unix:private/lookupd", true, "private/lookupd", "", ""},
      {"local:/x", true, "/x", "", ""},
      {"inet:127.0.0.1:9100", false, "", "127.0.0.1", "9100"},
      {"inet:[::1]:9100", false, "", "::1", "9100"},
      {"inet:localhost:smtp", false, "", "localhost", "smtp"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto ep = parse_endpoint(c.text);
    REQUIRE(ep);
    CHECK(ep->unix_socket == c.want_unix);
    CHECK(ep->path == c.want_path);
    CHECK(ep->host == c.want_host);
    CHECK(ep->port == c.want_port);
    CHECK(ep->text == c.text);
  }
  for (std::string bad :
       {"tcp:1.2.3.4:5", "unix:", "inet:host", "inet::9", "inet:h:", "inet:::1:9", "inet:[::1:9", "/path"}) {
    INFO(bad);
    auto ep = parse_endpoint(bad);
    REQUIRE(!ep);
    CHECK(ep.error().kind == core::ErrorKind::Config);
  }
  CHECK(!parse_endpoint("unix:/" + std::string(200, 'x')));
}

TEST_CASE("client_socket: timeout parameter", "[unit]") {
  CHECK(*client_timeout(nullptr) == 10s);
  auto cfg = core::config::Config::parse("table_client_timeout = 2m\n", "test.cf");
  REQUIRE(cfg);
  CHECK(*client_timeout(&*cfg) == 120s);
  auto bad = core::config::Config::parse("table_client_timeout = 0\n", "test.cf");
  REQUIRE(bad);
  CHECK(!client_timeout(&*bad));
}

TEST_CASE("client_socket: one connection reused for many exchanges", "[unit]") {
  auto srv = test::FakeServer::unix_socket(test::FakeServer::Framing::Line,
                                           [](const std::string& r) { return "re " + r + "\n"; });
  ClientSocket s(*parse_endpoint(srv->endpoint()), 2s);
  for (int i = 0; i < 5; ++i) {
    auto r = s.exchange("q" + std::to_string(i) + "\n", line_reader);
    REQUIRE(r);
    CHECK(*r == "re q" + std::to_string(i));
  }
  CHECK(srv->connections() == 1);
}

TEST_CASE("client_socket: extra bytes after a reply are a retry error", "[unit]") {
  auto srv = test::FakeServer::inet(test::FakeServer::Framing::Line,
                                    [](const std::string&) { return std::string("a\nb\n"); });
  ClientSocket s(*parse_endpoint(srv->endpoint()), 2s);
  auto r = s.exchange("q\n", line_reader);
  // The two lines may arrive in one read (extra bytes) or two; both are handled.
  if (!r) {
    CHECK(r.error().retry());
    CHECK(!s.connected());
  } else {
    CHECK(*r == "a");
    // "b\n" is now unsolicited: the socket must not read it as the next reply.
    auto r2 = s.exchange("q\n", line_reader);
    REQUIRE(r2);
    CHECK(*r2 == "a");
    CHECK(srv->connections() == 2);
  }
}

TEST_CASE("client_socket: timeout and dead server are retry errors", "[unit]") {
  auto srv = test::FakeServer::inet(test::FakeServer::Framing::Line, [](const std::string&) {
    std::this_thread::sleep_for(700ms);
    return std::string("late\n");
  });
  ClientSocket s(*parse_endpoint(srv->endpoint()), 200ms);
  auto t0 = std::chrono::steady_clock::now();
  auto r = s.exchange("q\n", line_reader);
  REQUIRE(!r);
  CHECK(r.error().retry());
  CHECK(r.error().text.find("timeout") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < 600ms);
  CHECK(srv->requests() == 1);  // a timeout is not resent

  ClientSocket dead(*parse_endpoint("inet:127.0.0.1:" + std::to_string(test::FakeServer::dead_port())), 1s);
  auto d = dead.exchange("q\n", line_reader);
  REQUIRE(!d);
  CHECK(d.error().retry());
  ClientSocket nosock(*parse_endpoint("unix:/nonexistent/vmk.sock"), 1s);
  CHECK(!nosock.exchange("q\n", line_reader));
}
