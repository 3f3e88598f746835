// test_sessions.cc - socketmap and tcp_table sessions fed bytes through a fake Connection.
#include <catch2/catch.hpp>

#include <deque>

#include "core/log/log.h"
#include "fake_table.h"
#include "core/proto/netstring.h"
#include "lookupd/sessions.h"

using namespace lookupd;
using lookupd::test::RecordingTable;

namespace {

std::string ns(std::string_view payload) { return core::proto::encode_netstring(payload); }

// FakeConnection - records writes, pause/resume and close; feed() plays the
// server's input loop (consume while not paused).
class FakeConnection final : public core::server::Connection {
 public:
  std::string out;
  bool paused = false, closed_flag = false;
  int pauses = 0;
  std::string in;
  core::server::Session* session = nullptr;

  void write(std::string_view b) override { out.append(b); }
  void close() override { closed_flag = true; }
  void pause_input() override {
    paused = true;
    ++pauses;
  }
  void resume_input() override { paused = false; }
  bool closed() const override { return closed_flag; }
  const std::string& peer() const override { return peer_; }
  const std::string& listener() const override { return listener_; }

  void feed(std::string_view bytes) {
    in.append(bytes);
    pump();
  }
  void pump() {
    auto self = shared_from_this();
    while (!paused && !closed_flag && !in.empty()) {
      size_t used = session->on_input(self, in);
      if (used == 0) break;
      in.erase(0, used);
    }
  }

 private:
  std::string peer_ = "127.0.0.1:40000", listener_ = "inet:127.0.0.1:9100";
};

struct Fixture {
  std::deque<std::pair<std::function<void()>, std::function<void()>>> jobs;
  std::vector<std::string> logs;
  Resolver resolver{AddressPolicy{"+", true, "double-bounce"},
                    [this](std::function<void()> w, std::function<void()> d) { jobs.emplace_back(std::move(w), std::move(d)); }};
  std::shared_ptr<FakeConnection> conn = std::make_shared<FakeConnection>();
  std::unique_ptr<core::server::Session> session;

  Fixture() {
    core::log::set_sink([this](core::log::Level, std::string_view t) { logs.emplace_back(t); });
    auto maps = std::make_shared<MapSet>();
    auto m = std::make_shared<Map>();
    m->name = "virtual";
    m->spec = "inline:";
    m->table = std::make_unique<RecordingTable>(std::map<std::string, std::string>{
        {"alice@ex.com", "alice@ex.org,bob@ex.org"}, {"sp ace@ex.com", "x%y"}});
    m->address = true;
    m->propagate = true;
    maps->emplace("virtual", m);
    resolver.set_maps(maps, AddressPolicy{"+", true, "double-bounce"});
  }
  ~Fixture() { core::log::set_sink(nullptr); }
  void run_jobs() {
    while (!jobs.empty()) {
      auto [w, d] = std::move(jobs.front());
      jobs.pop_front();
      w();
      d();
      conn->pump();
    }
  }
};

}  // namespace

TEST_CASE("socketmap session: lockstep replies, pipelined input waits", "[unit]") {
  Fixture f;
  f.session = std::make_unique<SocketmapSession>(f.resolver, 65536);
  f.conn->session = f.session.get();
  // Two requests in one read: the second is parsed only after the first reply.
  f.conn->feed(ns("virtual alice+tag@ex.com") + ns("virtual nobody@x"));
  CHECK(f.conn->paused);
  CHECK(f.conn->out.empty());
  f.run_jobs();
  CHECK(f.conn->out == ns("OK alice+tag@ex.org,bob+tag@ex.org") + "9:NOTFOUND ,");
  f.conn->out.clear();
  int pauses = f.conn->pauses;
  f.conn->feed(ns("virtual alice+tag@ex.com"));  // cache hit: answered at once, no pause
  CHECK(f.conn->out == ns("OK alice+tag@ex.org,bob+tag@ex.org"));
  CHECK(f.conn->pauses == pauses);
}

TEST_CASE("socketmap session: partial frames, unknown map, empty key, stats, bad input", "[unit]") {
  Fixture f;
  f.session = std::make_unique<SocketmapSession>(f.resolver, 100);
  f.conn->session = f.session.get();
  f.conn->feed("10:nosu");
  CHECK(f.conn->out.empty());
  f.conn->feed("ch key,");
  CHECK(f.conn->out == ns("PERM unknown map name"));
  f.conn->out.clear();
  f.conn->feed("8:virtual ,");
  CHECK(f.conn->out == "9:NOTFOUND ,");
  f.conn->out.clear();
  f.conn->feed(ns("__stats x"));
  CHECK(f.conn->out.find(":OK requests=1 ") != std::string::npos);
  f.conn->out.clear();
  f.conn->feed("7:nospace,");
  CHECK(f.conn->out == ns("PERM bad request"));
  CHECK(!f.conn->closed_flag);
  f.conn->out.clear();
  f.conn->feed("101:");  // over the request limit: framing error, close
  CHECK(f.conn->closed_flag);
  CHECK(f.conn->out.empty());
  CHECK(f.logs.size() == 3);  // unknown map, bad request, framing error: one line each
}

TEST_CASE("socketmap session: the client went away before the answer", "[unit]") {
  Fixture f;
  f.session = std::make_unique<SocketmapSession>(f.resolver, 65536);
  f.conn->session = f.session.get();
  f.conn->feed(ns("virtual alice@ex.com"));
  f.conn->closed_flag = true;
  f.run_jobs();
  CHECK(f.conn->out.empty());
  f.conn.reset();  // only a weak_ptr is held across the lookup
  f.run_jobs();
}

TEST_CASE("tcp session: get lines, %XX keys and values, errors", "[unit]") {
  Fixture f;
  f.session = std::make_unique<TcpSession>(f.resolver, "virtual", 4096);
  f.conn->session = f.session.get();
  f.conn->feed("get alice+x@ex.com\nget sp%20ace@ex.com\nget none@ex.com\n");
  f.run_jobs();
  CHECK(f.conn->out ==
        "200 alice+x@ex.org,bob+x@ex.org\n"
        "200 x%25y\n"
        "500 not found\n");
  f.conn->out.clear();
  f.conn->feed("put x\n");
  CHECK(f.conn->out.rfind("400 ", 0) == 0);
  CHECK(!f.conn->closed_flag);
  f.conn->feed(std::string(5000, 'a'));
  CHECK(f.conn->closed_flag);
}

TEST_CASE("sessions: keys at protocol limits", "[unit]") {
  // Postfix 3.12 stops at 10000-byte keys; lookupd answers them normally.
  std::string key(10000 - 7, 'k');
  key += "@ex.com";
  Fixture f;
  f.session = std::make_unique<SocketmapSession>(f.resolver, 65536 - 34);
  f.conn->session = f.session.get();
  f.conn->feed(ns("virtual " + key));
  f.run_jobs();
  CHECK(f.conn->out == "9:NOTFOUND ,");
  Fixture t;
  t.session = std::make_unique<TcpSession>(t.resolver, "virtual", 65536);
  t.conn->session = t.session.get();
  t.conn->feed("get " + key + "\n");
  t.run_jobs();
  CHECK(t.conn->out == "500 not found\n");
}
