// test_mysql_table.cc - mysql: .cf parsing and the lookup path up to the
// server, without a server: config errors, key folding, the domain filter
// and query suppression (answered without touching the dead host), and
// "server down is Retry, never not found".
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/log/log.h"
#include "core/table/mysql_table.h"
#include "core/table/registry.h"

using namespace core::table;

namespace {

// TempCf - a .cf file removed at scope exit.
struct TempCf {
  std::string path;
  explicit TempCf(const std::string& text) {
    char p[] = "/tmp/vmk-mysql-XXXXXX";
    int fd = mkstemp(p);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = p;
    std::ofstream(path) << text;
  }
  ~TempCf() { std::remove(path.c_str()); }
  std::string spec() const { return "mysql:" + path; }
};

const char* kDead =
    "hosts = unix:/nonexistent/vmk-dead.sock\n"
    "user = postfix\npassword = secret\ndbname = postfix\noption_group =\n";

struct Warnings {
  std::vector<std::string> lines;
  Warnings() {
    core::log::set_sink([this](core::log::Level l, std::string_view t) {
      if (l == core::log::Level::Warning) lines.emplace_back(t);
    });
  }
  ~Warnings() { core::log::set_sink(nullptr); }
};

}  // namespace

TEST_CASE("mysql: is registered and needs a file name", "[unit]") {
  REQUIRE(find_factory("mysql") != nullptr);
  auto rel = open_checked("mysql:virtual", {});
  REQUIRE(!rel);
  CHECK(rel.error().kind == core::ErrorKind::Config);
  CHECK(rel.error().text.find("mysql:/etc/postfix/virtual.cf") != std::string::npos);
  auto missing = open_checked("mysql:/nonexistent/vmk.cf", {});
  REQUIRE(!missing);
  CHECK(missing.error().text.find("cannot open") != std::string::npos);
}

TEST_CASE("mysql: .cf errors are config errors", "[unit]") {
  struct Case {
    std::string text, want;
  };
  const Case cases[] = {
      {"hosts = x\nquery = SELECT 1 WHERE a='%s'\n", "dbname is required"},
      {"dbname = d\n", "neither query nor select_field"},
      {"dbname = d\nselect_field = a\ntable = t\n", "where_field"},
      {"dbname = d\nquery = SELECT '%z'\n", "invalid query template"},
      {"dbname = d\nquery = SELECT '%s'\nresult_format = %q\n", "invalid result template"},
      {"dbname = d\nquery = SELECT '%s'\nhosts = inet:db:badport\n", "bad port"},
      {"dbname = d\nquery = SELECT '%s'\nrequire_result_set = maybe\n", "require_result_set"},
      {"dbname = d\nquery = SELECT '%s'\nexpansion_limit = -1\n", "expansion_limit"},
      {"dbname = d\nquery = SELECT '%s'\ndomain = /nonexistent/vmk-domains\n", "domain"},
      {"dbname = d\nquery = SELECT '%s'\nconnect_timeout = 0\n", "connect_timeout"},
      {"dbname = d\nno equals sign\n", "missing '='"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    TempCf cf(c.text);
    auto t = open_checked(cf.spec(), {});
    REQUIRE(!t);
    CHECK(t.error().kind == core::ErrorKind::Config);
    CHECK(t.error().text.find(c.want) != std::string::npos);
  }
}

TEST_CASE("mysql: legacy select_field/table/where_field build Postfix's query", "[unit]") {
  auto cf = core::config::Config::parse(
      "select_field = goto\ntable = alias\nwhere_field = address\n"
      "additional_conditions = and active = '1'\n",
      "t.cf");
  REQUIRE(cf);
  CHECK(*mysql_query_template(*cf, "mysql:t.cf") ==
        "SELECT goto FROM alias WHERE address='%s' and active = '1'");
  auto q = core::config::Config::parse("query = SELECT x WHERE y='%s'\nselect_field = ignored\n", "t.cf");
  CHECK(*mysql_query_template(*q, "mysql:t.cf") == "SELECT x WHERE y='%s'");
  // No $name expansion in .cf files: the text is kept literally.
  auto dollar = core::config::Config::parse("query = SELECT '$x' WHERE y='%s'\n", "t.cf");
  CHECK(*mysql_query_template(*dollar, "mysql:t.cf") == "SELECT '$x' WHERE y='%s'");
}

TEST_CASE("mysql: settings from the .cf file", "[unit]") {
  auto cf = core::config::Config::parse(
      "hosts = unix:/s.sock inet:10.0.0.1:3307\nuser = u\npassword = p$w\ndbname = d\n"
      "option_file = /etc/x.cnf\noption_group =\ntls_CAfile = /ca.pem\ntls_verify_cert = yes\n"
      "connect_timeout = 3\nmax_connections = 7\nidle_interval = 2m\n",
      "t.cf");
  REQUIRE(cf);
  auto s = mysql_settings(*cf, "mysql:t.cf");
  REQUIRE(s);
  CHECK(s->hosts.size() == 2);
  CHECK(s->password == "p$w");
  CHECK(s->option_file == "/etc/x.cnf");
  CHECK(s->option_group.empty());
  CHECK(s->tls_ca_file == "/ca.pem");
  CHECK(!s->tls_key_file);
  CHECK(s->tls_verify_cert == true);
  CHECK(s->connect_timeout == 3);
  CHECK(s->max_connections == 7);
  CHECK(s->idle_interval == std::chrono::seconds(120));
  auto d = mysql_settings(*core::config::Config::parse("dbname = d\n", "t.cf"), "x");
  REQUIRE(d);
  CHECK(d->option_group == "client");  // Postfix 3.2+ default
  CHECK(d->charset == "utf8mb4");
  CHECK(d->hosts.size() == 1);
  CHECK(d->hosts[0].unix_socket());
}

TEST_CASE("mysql: filter and suppression answer without the server; the rest is Retry", "[unit]") {
  Warnings w;
  TempCf cf(std::string(kDead) +
            "query = SELECT goto FROM alias WHERE address='%u@%d'\n"
            "domain = example.com, inline:{ other.test=yes }\n");
  auto t = open_checked(cf.spec(), {});
  REQUIRE(t);
  struct Case {
    const char* key;
    bool want_retry;  // false: not found without a query
  };
  const Case cases[] = {
      {"joe@example.com", true},
      {"Joe@EXAMPLE.com", true},  // folded before the domain check
      {"joe@other.test", true},
      {"joe@sub.example.com", false},  // no parent-domain matching
      {"@example.com", false},         // catch-all keys never pass a domain filter
      {"example.com", false},
      {"joe", false},
      {"", false},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    auto r = (*t)->lookup(c.key);
    if (c.want_retry) {
      REQUIRE(!r);
      CHECK(r.error().kind == core::ErrorKind::Retry);
    } else {
      REQUIRE(r);
      CHECK(!r->has_value());
    }
  }
  // The dead host was reported once, not once per lookup.
  int connect_warnings = 0;
  for (const auto& l : w.lines)
    if (l.find("connect to mysql server unix:/nonexistent/vmk-dead.sock") != std::string::npos)
      ++connect_warnings;
  CHECK(connect_warnings == 1);
}

TEST_CASE("mysql: without a domain filter, %u suppression still avoids the query", "[unit]") {
  Warnings w;
  TempCf cf(std::string(kDead) +
            "query = SELECT maildir FROM mailbox WHERE local_part='%u' AND domain='%d'\n");
  auto t = open_checked(cf.spec(), {});
  REQUIRE(t);
  CHECK(!(*t)->lookup("@example.com")->has_value());
  CHECK(!(*t)->lookup("example.com")->has_value());
  auto r = (*t)->lookup("joe@example.com");
  REQUIRE(!r);
  CHECK(r.error().kind == core::ErrorKind::Retry);
  CHECK(r.error().text.find((*t)->name()) != std::string::npos);
}
