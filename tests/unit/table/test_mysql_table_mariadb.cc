// test_mysql_table_mariadb.cc - mysql: tables against a real private MariaDB
// ([mariadb]; run by tests/integration/test_mysql_table.py).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/log/log.h"
#include "mariadb_env.h"

using namespace vmk_test;

namespace {

const char* kKvQuery = "query = SELECT v FROM vmk_kv WHERE k='%s' ORDER BY pos\n";

struct Quiet {
  std::vector<std::string> warnings;
  Quiet() {
    core::log::set_sink([this](core::log::Level l, std::string_view t) {
      if (l == core::log::Level::Warning) warnings.emplace_back(t);
    });
  }
  ~Quiet() { core::log::set_sink(nullptr); }
};

}  // namespace

TEST_CASE("mariadb: found, not found, rows, NULL and empty values", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  Quiet log;
  TempCf cf(*env, kKvQuery);
  auto t = open_table("mysql:" + cf.path);
  struct Case {
    const char* key;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"plain", "one"},         {"PLAIN", "one"},  // folded to lowercase before the query
      {"nosuch", std::nullopt}, {"multi", "first,second,third"},
      {"nulls", "kept"},        {"onlynull", std::nullopt},
      {"empty", "after-empty"}, {"onlyempty", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    auto r = t->lookup(c.key);
    REQUIRE(r);
    CHECK(*r == c.want);
  }
  int empty_warnings = 0;
  for (const auto& w : log.warnings)
    if (w == "table \"mysql:" + cf.path + "\": empty lookup result for: \"empty\" -- ignored")
      ++empty_warnings;
  CHECK(empty_warnings == 1);
}

TEST_CASE("mariadb: keys with quotes, backslashes, %, spaces, UTF-8 are looked up literally", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  TempCf cf(*env, kKvQuery);
  auto t = open_table("mysql:" + cf.path);
  struct Case {
    const char* key;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"o'brien", "quote"},
      {"back\\slash", "backslash"},
      {"dq\"x", "double-quote"},
      {"100%", "percent"},
      {"100", std::nullopt},
      {"under_score", "underscore"},
      {"underXscore", std::nullopt},  // '_' is not a wildcard with '='
      {"with space", "space"},
      {"j\xc3\xbcrgen@ex\xc3\xa4mple.com", "utf8"},
      {"\xc3\xbcn\xc3\xaf", "utf8-short"},
      {"x' or '1'='1", "injection-text-literal"},  // the text itself is a key
      {"x' OR 1=1 -- ", std::nullopt},
      {"plain' UNION SELECT 'pwned", std::nullopt},
      {"plain'; DROP TABLE vmk_kv; -- ", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    auto r = t->lookup(c.key);
    REQUIRE(r);
    CHECK(*r == c.want);
  }
  CHECK(t->lookup("plain")->value() == "one");  // the table survived
}

TEST_CASE("mariadb: result_format, expansion_limit, columns", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  Quiet log;
  TempCf fmt_cf(*env, std::string(kKvQuery) + "result_format = %d\n");
  // "noat" has no domain: skipped; "@y.test" has one: kept.
  CHECK(open_table("mysql:" + fmt_cf.path)->lookup("addr")->value() == "x.test,y.test");
  TempCf user_cf(*env, std::string(kKvQuery) + "result_format = smtp:[%u]\n");
  CHECK(open_table("mysql:" + user_cf.path)->lookup("addr")->value() == "smtp:[a],smtp:[noat]");
  TempCf lim(*env, std::string(kKvQuery) + "expansion_limit = 3\n");
  auto t = open_table("mysql:" + lim.path);
  CHECK(t->lookup("multi")->value() == "first,second,third");
  auto over = t->lookup("many");
  REQUIRE(!over);
  CHECK(over.error().kind == core::ErrorKind::Retry);
  TempCf cols(*env, "query = SELECT local_part, domain, NULL FROM mailbox WHERE username='%s'\n");
  CHECK(open_table("mysql:" + cols.path)->lookup("joe@example.com")->value() == "joe,example.com");
}

TEST_CASE("mariadb: stored procedures, result sets and SQL errors", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  Quiet log;
  TempCf one(*env, "query = CALL vmk_one_set('%s')\n");
  CHECK(open_table("mysql:" + one.path)->lookup("multi")->value() == "first,second,third");
  TempCf two(*env, "query = CALL vmk_two_sets('%s')\n");
  auto t2 = open_table("mysql:" + two.path);
  auto r2 = t2->lookup("multi");
  REQUIRE(!r2);
  CHECK(r2.error().kind == core::ErrorKind::Retry);
  CHECK(r2.error().text.find("multiple result sets") != std::string::npos);
  // The session is still usable afterwards (all result sets were drained).
  CHECK(!t2->lookup("multi"));
  TempCf noset(*env, "query = DO '%s'\n");
  auto r3 = open_table("mysql:" + noset.path)->lookup("x");
  REQUIRE(!r3);
  CHECK(r3.error().kind == core::ErrorKind::Retry);
  TempCf noset_ok(*env, "query = DO '%s'\nrequire_result_set = no\n");
  auto r4 = open_table("mysql:" + noset_ok.path)->lookup("x");
  REQUIRE(r4);
  CHECK(!r4->has_value());
  TempCf bad(*env, "query = SELECT nosuchcolumn FROM vmk_kv WHERE k='%s'\n");
  auto tb = open_table("mysql:" + bad.path);
  for (int i = 0; i < 3; ++i) {
    auto rb = tb->lookup("plain");
    REQUIRE(!rb);
    CHECK(rb.error().kind == core::ErrorKind::Retry);
    CHECK(rb.error().text.find("nosuchcolumn") != std::string::npos);
  }
  int query_warnings = 0;
  for (const auto& w : log.warnings)
    if (w.find("query failed") != std::string::npos && w.find("nosuchcolumn") != std::string::npos)
      ++query_warnings;
  CHECK(query_warnings == 1);  // logged once, not per request
}

TEST_CASE("mariadb: failover to the next host when the first is dead", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  Quiet log;
  // A dead UNIX socket is preferred (tried first), then a dead TCP port or the live host.
  TempCf cf(*env, kKvQuery, "unix:/nonexistent/vmk-dead.sock inet:127.0.0.1:1 " + env->hosts);
  auto t = open_table("mysql:" + cf.path);
  for (int i = 0; i < 5; ++i) CHECK(t->lookup("plain")->value() == "one");
  bool unix_warned = false;
  for (const auto& w : log.warnings)
    if (w.find("connect to mysql server unix:/nonexistent/vmk-dead.sock") != std::string::npos)
      unix_warned = true;
  // With a TCP live host the dead UNIX socket must have been tried first;
  // with a UNIX live host the two sockets are equals and chosen at random.
  if (env->hosts.rfind("inet:", 0) == 0) CHECK(unix_warned);
  TempCf wrong_pw(*env, std::string(kKvQuery) + "password = wrong\n");
  auto r = open_table("mysql:" + wrong_pw.path)->lookup("plain");
  REQUIRE(!r);
  CHECK(r.error().kind == core::ErrorKind::Retry);
  CHECK(r.error().text.find("Access denied") != std::string::npos);
}

TEST_CASE("mariadb: concurrent lookups from several threads", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  TempCf cf(*env, std::string(kKvQuery) + "max_connections = 3\n");
  auto t = open_table("mysql:" + cf.path);
  std::atomic<int> bad{0}, good{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < 8; ++n)
    threads.emplace_back([&, n] {
      for (int i = 0; i < 150; ++i) {
        bool m = (i + n) % 2 == 0;
        auto r = t->lookup(m ? "multi" : "o'brien");
        if (r && r->has_value() && **r == (m ? "first,second,third" : "quote"))
          ++good;
        else
          ++bad;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(bad == 0);
  CHECK(good == 8 * 150);
}

TEST_CASE("mariadb: server stopped is Retry, never not found; restart recovers", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  if (std::getenv("VMAILKIT_TEST_MYSQL_CONTROL") == nullptr) {
    WARN("SKIPPED: VMAILKIT_TEST_MYSQL_CONTROL unset (no way to stop the server)");
    return;
  }
  Quiet log;
  TempCf cf(*env, std::string(kKvQuery) + "max_connections = 3\n");
  auto t = open_table("mysql:" + cf.path);
  CHECK(t->lookup("plain")->value() == "one");  // pooled session exists
  REQUIRE(control("stop"));
  for (const char* key : {"plain", "nosuch", "multi"}) {
    auto r = t->lookup(key);
    REQUIRE(!r);
    CHECK(r.error().kind == core::ErrorKind::Retry);
  }
  REQUIRE(control("start"));
  // Recovers by itself within the short back-off, answering Retry (never
  // not found) until then.
  auto start = std::chrono::steady_clock::now();
  bool recovered = false;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(15)) {
    auto r = t->lookup("plain");
    if (r) {
      REQUIRE(r->has_value());
      CHECK(**r == "one");
      recovered = true;
      break;
    }
    CHECK(r.error().kind == core::ErrorKind::Retry);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(recovered);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(6));
  CHECK(t->lookup("nosuch")->has_value() == false);
  // Restart again while sessions sit in the pool: the next lookup must succeed
  // at once (stale session retried on a fresh one, no back-off).
  REQUIRE(control("stop"));
  REQUIRE(control("start"));
  auto r = t->lookup("multi");
  INFO((r ? std::string() : r.error().text));
  REQUIRE(r);
  CHECK(r->value() == "first,second,third");
}

namespace {

// Keys covering every row kind of tests/integration/fixtures/mysql_table.sql.
const char* const kPfaKeys[] = {
    "joe@example.com",
    "JOE@Example.COM",
    "ann@example.com",
    "gone@example.com",
    "info@example.com",
    "off@example.com",
    "nosuch@example.com",
    "@example.com",
    "example.com",
    "joe@alias.test",
    "ann@alias.test",
    "direct@alias.test",
    "nosuch@alias.test",
    "@alias.test",
    "alias.test",
    "box@catchall.test",
    "fwd@catchall.test",
    "x@catchall.test",
    "@catchall.test",
    "catchall.test",
    "backup.test",
    "off.test",
    "eve@off.test",
    "offalias.test",
    "joe@offalias.test",
    "all",
    "joe",
    "o'x@example.com",
    "joe@example.com@alias.test",
};

const char* const kMapFiles[] = {
    "mysql_virtual_domains_maps.cf",
    "mysql_virtual_mailbox_maps.cf",
    "mysql_virtual_alias_domain_mailbox_maps.cf",
    "mysql_virtual_alias_maps.cf",
    "mysql_virtual_alias_domain_maps.cf",
    "mysql_virtual_alias_domain_catchall_maps.cf",
    "mysql_relay_domains.cf",
    "mysql_transport_maps.cf",
    "mysql_sender_login_maps.cf",
};

}  // namespace

TEST_CASE("mariadb: schema/postfix maps answer exactly as Postfix's own postmap -q", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  std::string ignored;
  if (run_capture({"sh", "-c", "command -v postmap"}, &ignored) != 0) {
    WARN("SKIPPED: postmap not installed (apt-get install postfix postfix-mysql)");
    return;
  }
  char dir[] = "/tmp/vmk-postfix-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string main_cf = std::string(dir) + "/main.cf";
  std::ofstream(main_cf) << "compatibility_level = 3.6\n";
  int compared = 0, found = 0;
  for (const char* file : kMapFiles) {
    RawCf cf(map_file_text(*env, file));
    auto t = open_table("mysql:" + cf.path);
    for (const char* key : kPfaKeys) {
      INFO(file << " key " << key);
      std::string out;
      int rc = run_capture({"postmap", "-c", dir, "-q", key, "mysql:" + cf.path}, &out);
      REQUIRE((rc == 0 || rc == 1));
      std::optional<std::string> want;
      if (rc == 0) want = out.substr(0, out.find('\n'));
      auto got = t->lookup(key);
      REQUIRE(got);
      CHECK(*got == want);
      ++compared;
      if (want) ++found;
    }
  }
  std::remove(main_cf.c_str());
  rmdir(dir);
  CHECK(compared == 9 * static_cast<int>(std::size(kPfaKeys)));
  CHECK(found > 20);  // the comparison covered real answers, not only misses
}

TEST_CASE("mariadb: sessions are reused, bounded, and closed when idle", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  // The answer is the server's id of the session that ran the query.
  TempCf cf(*env,
            "query = SELECT CONNECTION_ID() FROM DUAL WHERE '%s' <> ''\n"
            "max_connections = 2\nidle_interval = 1\n");
  auto t = open_table("mysql:" + cf.path);
  auto first = t->lookup("a");
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK(t->lookup("b")->value() == **first);  // reused
  std::mutex mu;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int n = 0; n < 6; ++n)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto r = t->lookup("k");
        std::lock_guard lock(mu);
        ids.insert(r && r->has_value() ? **r : "error");
      }
    });
  for (auto& th : threads) th.join();
  CHECK(ids.count("error") == 0);
  CHECK(ids.size() <= 2);  // max_connections bounds the sessions
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto later = t->lookup("c");
  REQUIRE(later);
  CHECK(ids.count(**later) == 0);  // idle sessions were closed; a new one answered
}

TEST_CASE("mariadb: option_file and option_group are read as Postfix reads them", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  // init-command in the option file makes the group that was read visible.
  RawCf opt(
      "[client]\ninit-command=SET @vmk_grp='client'\n"
      "[vmkgroup]\ninit-command=SET @vmk_grp='vmkgroup'\n");
  const std::string query = "query = SELECT IFNULL(@vmk_grp, 'none') FROM DUAL WHERE '%s' <> ''\n";
  struct Case {
    std::string extra;
    const char* want;  // observed with Postfix 3.7.11 postmap -q on this machine
  };
  const Case cases[] = {
      {"option_file = " + opt.path + "\n", "client"},
      {"option_file = " + opt.path + "\noption_group = vmkgroup\n", "vmkgroup"},
      {"option_file = " + opt.path + "\noption_group =\n", "client"},  // file given: [client] read anyway
      {"", "none"},
  };
  for (const auto& c : cases) {
    INFO(c.extra);
    // TempCf writes "option_group =" first; a later line in EXTRA overrides it.
    TempCf cf(*env, c.extra + query);
    CHECK(open_table("mysql:" + cf.path)->lookup("k")->value() == c.want);
  }
}

TEST_CASE("mariadb: a query slower than read_timeout is Retry, not a hang", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  Quiet log;
  TempCf cf(*env, "query = SELECT SLEEP(4) FROM DUAL WHERE '%s' <> ''\nread_timeout = 1\n");
  auto t = open_table("mysql:" + cf.path);
  auto start = std::chrono::steady_clock::now();
  auto r = t->lookup("k");
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(!r);
  CHECK(r.error().kind == core::ErrorKind::Retry);
  CHECK(took < std::chrono::milliseconds(3500));
  CHECK(took >= std::chrono::milliseconds(900));  // it did wait for the server
  INFO(r.error().text);
}
