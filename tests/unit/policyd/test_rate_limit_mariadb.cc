// test_rate_limit_mariadb.cc - [mariadb] the rate limit against a real MariaDB
// (run by tests/integration/test_mysql_table.py, which starts it): the DDL in
// schema/vmailkit-rate-limit.sql loads, the counter SQL counts, restarts
// windows and takes refused messages back, limits come from the shipped
// vmailkit-rate.cf query, concurrent workers never let more through than the
// limit, logins are escaped, and a stopped server is an error, never OK.
#include <catch2/catch.hpp>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/config/config.h"
#include "core/mysql/client.h"
#include "core/table/mysql_table.h"
#include "policyd/rate_limit.h"
#include "tests/unit/table/mariadb_env.h"

using vmk_test::maria_env;
using vmk_test::MariaEnv;

namespace {

// client - a pool on ENV's server.
std::unique_ptr<core::mysql::Client> client(const MariaEnv& env) {
  vmk_test::TempCf cf(env, "");
  auto text = core::table::read_mysql_cf(cf.path, "test");
  REQUIRE(text);
  auto s = core::table::mysql_settings(*text, "test");
  REQUIRE(s);
  return std::make_unique<core::mysql::Client>("test", std::move(*s));
}

// run - one statement; fails the test on an error.
core::mysql::QueryResult run(core::mysql::Client& c, const std::string& sql) {
  auto r = c.query([&](const core::mysql::Escaper&) { return sql; });
  INFO(sql << ": " << (r ? "" : r.error().text));
  REQUIRE(r);
  return std::move(*r);
}

// source_file - a file of the source tree.
std::string source_file(const std::string& rel) {
  const char* root = std::getenv("VMAILKIT_TEST_SOURCE_ROOT");
  std::ifstream in(std::string(root ? root : ".") + "/" + rel);
  INFO(rel);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// load_schema - schema/vmailkit-rate-limit.sql statement by statement; empty tables.
void load_schema(core::mysql::Client& c) {
  std::string text, line;
  std::istringstream in(source_file("schema/vmailkit-rate-limit.sql"));
  while (std::getline(in, line))
    if (line.rfind("--", 0) != 0) text += line + "\n";
  size_t start = 0, n = 0;
  for (size_t semi; (semi = text.find(';', start)) != std::string::npos; start = semi + 1, ++n)
    run(c, text.substr(start, semi - start));
  CHECK(n == 2);
  run(c, "DELETE FROM vmailkit_rate_counter");
  run(c, "DELETE FROM vmailkit_rate_limit");
}

// row - "messages recipients window_start" of LOGIN, "" when absent.
std::string row(core::mysql::Client& c, const std::string& login) {
  auto r = run(c, "SELECT messages, recipients, window_start FROM vmailkit_rate_counter WHERE login = '" +
                      core::mysql::escape_string(login) + "'");
  if (r.rows.empty()) return "";
  return *r.rows[0][0] + " " + *r.rows[0][1] + " " + *r.rows[0][2];
}

policyd::Request data_request(const std::string& login, int rcpts) {
  policyd::Request r;
  r.add("protocol_state", "DATA");
  r.add("sasl_username", login);
  r.add("recipient_count", std::to_string(rcpts));
  return r;
}

// make_check - the check as policyd builds it, from a config naming a .cf for ENV.
std::unique_ptr<policyd::Check> make_check(const std::string& cf_path, const std::string& extra = "") {
  auto cfg = core::config::Config::parse(
      "policyd_rate_limit = yes\npolicyd_rate_database = " + cf_path + "\n" + extra, "vmailkit.cf");
  REQUIRE(cfg);
  cfg->add_defaults(policyd::kRateParams);
  policyd::CheckContext ctx;
  ctx.config = &*cfg;
  ctx.open_tables = [](std::string_view specs) -> core::Result<std::shared_ptr<core::table::Table>> {
    auto t = core::table::open_list(specs, {});
    if (!t) return t.error();
    return std::shared_ptr<core::table::Table>(std::move(*t));
  };
  auto check = policyd::make_rate_limit(ctx);
  INFO((check ? "" : check.error().text));
  REQUIRE(check);
  REQUIRE(*check);
  return std::move(*check);
}

// shipped_cf - schema/vmailkit-rate.cf with ENV's connection lines.
std::string shipped_cf_body() {
  std::string text = source_file("schema/vmailkit-rate.cf"), out, line;
  std::istringstream in(text);
  while (std::getline(in, line))
    if (line.rfind("query", 0) == 0) out += line + "\n";
  REQUIRE(!out.empty());
  return out;
}

}  // namespace

TEST_CASE("rate counters in MariaDB: count, new window, undo, escaping", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  auto c = client(*env);
  load_schema(*c);
  policyd::MysqlCounterStore store(client(*env));
  auto add = [&](const std::string& login, long long w, long long n) {
    auto u = store.add(login, w, n);
    INFO((u ? "" : u.error().text));
    REQUIRE(u);
    return *u;
  };
  CHECK(add("bob@example.org", 3600, 2) == policyd::RateUsage{1, 2});
  CHECK(add("bob@example.org", 3600, 3) == policyd::RateUsage{2, 5});
  CHECK(row(*c, "bob@example.org") == "2 5 3600");
  REQUIRE(store.undo("bob@example.org", 3600, 3));
  CHECK(row(*c, "bob@example.org") == "1 2 3600");
  CHECK(add("bob@example.org", 7200, 4) == policyd::RateUsage{1, 4});  // a new window restarts
  CHECK(row(*c, "bob@example.org") == "1 4 7200");
  REQUIRE(store.undo("bob@example.org", 3600, 4));  // an old window's undo changes nothing
  CHECK(row(*c, "bob@example.org") == "1 4 7200");
  std::string evil = "x' OR '1'='1\\@example.org";
  CHECK(add(evil, 60, 1) == policyd::RateUsage{1, 1});
  CHECK(row(*c, evil) == "1 1 60");
  CHECK(row(*c, "bob@example.org") == "1 4 7200");
}

TEST_CASE("rate limit through MariaDB: N+1th deferred, other logins unaffected", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  auto c = client(*env);
  load_schema(*c);
  run(*c,
      "INSERT INTO vmailkit_rate_limit (scope, messages, recipients, window_seconds) VALUES "
      "('bob@example.org', 3, 0, 3600), ('@example.org', 0, 4, 3600), ('free@example.org', 0, 0, 60)");
  vmk_test::TempCf cf(*env, shipped_cf_body());
  auto check = make_check(cf.path, "policyd_rate_default_messages = 1\n");
  auto send = [&](const std::string& login, int rcpts) {
    auto r = check->check(data_request(login, rcpts));
    INFO((r ? "" : r.error().text));
    REQUIRE(r);
    return *r ? (*r)->text : std::string();
  };
  for (int i = 0; i < 3; ++i) CHECK(send("bob@example.org", 1) == "");
  CHECK(send("BOB@example.org", 1) == "450 4.7.1 <bob@example.org>: rate limit exceeded: 3 messages in 3600 s");
  CHECK(row(*c, "bob@example.org").rfind("3 3 ", 0) == 0);
  CHECK(send("carol@example.org", 3) == "");  // @example.org: 4 recipients
  CHECK(send("carol@example.org", 2) ==
        "450 4.7.1 <carol@example.org>: rate limit exceeded: 4 recipients in 3600 s");
  CHECK(send("carol@example.org", 1) == "");
  for (int i = 0; i < 5; ++i) CHECK(send("free@example.org", 9) == "");
  CHECK(row(*c, "free@example.org") == "");  // unlimited: never written
  CHECK(send("dave@other.example", 1) == "");  // default: 1 message per hour
  CHECK(send("dave@other.example", 1) != "");
}

TEST_CASE("rate limit through MariaDB: concurrent workers never exceed the limit", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  auto c = client(*env);
  load_schema(*c);
  vmk_test::TempCf cf(*env, "max_connections = 8\n");
  auto check = make_check(cf.path,
                          "policyd_rate_limit_maps =\npolicyd_rate_default_messages = 15\n"
                          "policyd_rate_default_window = 1d\n");
  std::atomic<int> passed{0}, deferred{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = check->check(data_request("busy@example.org", 1));
        if (!r) ++errors;
        else if (*r) ++deferred;
        else ++passed;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(errors == 0);
  CHECK(passed + deferred == 40);
  CHECK(passed <= 15);
  CHECK(passed >= 1);
  auto r = row(*c, "busy@example.org");
  CHECK(r.substr(0, r.find(' ')) == std::to_string(passed.load()));  // refused ones were taken back
}

TEST_CASE("rate limit through MariaDB: server down is an error, never OK", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  if (!std::getenv("VMAILKIT_TEST_MYSQL_CONTROL")) return;
  auto c = client(*env);
  load_schema(*c);
  vmk_test::TempCf cf(*env, "");
  auto check = make_check(cf.path, "policyd_rate_limit_maps =\npolicyd_rate_default_messages = 100\n");
  REQUIRE(check->check(data_request("eve@example.org", 1)));
  REQUIRE(vmk_test::control("stop"));
  auto r = check->check(data_request("eve@example.org", 1));
  bool is_error = !r;
  REQUIRE(vmk_test::control("start"));
  REQUIRE(is_error);
  CHECK(r.error().retry());
  CHECK(!policyd::is_would_block(r.error()));
}
