// native_mysql.cc - the "native" path: one MySQL query per lookup.
//
// Does what Postfix's mysql: table does for each lookup, with the same load
// pattern as loadgen: --conns clients, each a thread with its own MySQL
// connection, each looking up keys from the same key file (random or
// round-robin) in lockstep: mysql_real_escape_string the key, expand %s in
// --query (default: the Postfix Admin virtual_mailbox_maps query), one
// mysql_real_query + mysql_store_result, read the first column of the rows.
// Prints the same JSON line as loadgen. A failed query counts as "temp"
// (Postfix would answer 4xx) and the client reconnects, as dict_mysql does.
#include <mysql.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"

namespace {

using Clock = std::chrono::steady_clock;

const char* kUsage =
    "usage: native_mysql --keys=FILE --user=U --password=P --dbname=D (--socket=PATH | --host=H --port=N)\n"
    "  [--query=\"SELECT maildir FROM mailbox WHERE username='%s' AND active='1'\"]\n"
    "  [--conns=8] [--duration=3] [--requests=0] [--order=random|seq] [--seed=1]\n";

struct Setup {
  std::string host, socket, user, password, dbname, query_head, query_tail;
  unsigned port = 0;
  std::vector<bench::KeyValue> keys;
  bench::KeyPicker* picker = nullptr;
  Clock::time_point deadline;
  long max_requests = 0;
  std::atomic<long> issued{0};
  std::atomic<bool> connect_failed{false};
};

struct ThreadResult {
  bench::Counts counts;
  std::vector<uint64_t> lat_ns;
  Clock::time_point last_done;
};

// open_db - connect one client, as dict_mysql does (CLIENT_MULTI_RESULTS).
MYSQL* open_db(const Setup& s) {
  MYSQL* db = mysql_init(nullptr);
  unsigned timeout = 30;
  mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (!mysql_real_connect(db, s.socket.empty() ? s.host.c_str() : nullptr, s.user.c_str(), s.password.c_str(),
                          s.dbname.c_str(), s.port, s.socket.empty() ? nullptr : s.socket.c_str(),
                          CLIENT_MULTI_RESULTS)) {
    std::fprintf(stderr, "native_mysql: connect: %s\n", mysql_error(db));
    mysql_close(db);
    return nullptr;
  }
  return db;
}

// lookup - one escaped point select; adds to COUNTS; returns false when the connection broke.
bool lookup(MYSQL* db, const Setup& s, const std::string& key, std::string& q, bench::Counts& counts) {
  q.assign(s.query_head);
  size_t at = q.size();
  q.resize(at + key.size() * 2 + 1);
  unsigned long n = mysql_real_escape_string(db, q.data() + at, key.data(), key.size());
  q.resize(at + n);
  q.append(s.query_tail);
  if (mysql_real_query(db, q.data(), q.size()) != 0) {
    ++counts.temp;
    return false;
  }
  MYSQL_RES* res = mysql_store_result(db);
  if (!res) {
    ++counts.temp;
    return false;
  }
  std::string value;
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    if (!row[0] || !*row[0]) continue;  // Postfix skips NULL and empty values
    if (!value.empty()) value += ',';
    value += row[0];
  }
  mysql_free_result(res);
  if (value.empty())
    ++counts.notfound;
  else
    ++counts.ok;
  return true;
}

// run_client - one thread: its own connection, lockstep lookups until the budget is spent.
void run_client(Setup& s, uint64_t seed, MYSQL* db, ThreadResult& res) {
  std::string q;
  uint64_t rng = seed;
  for (;;) {
    if (s.max_requests > 0) {
      if (s.issued.fetch_add(1, std::memory_order_relaxed) >= s.max_requests) break;
    } else if (Clock::now() >= s.deadline) {
      break;
    }
    const std::string& key = s.keys[s.picker->next(rng)].key;
    auto t0 = Clock::now();
    bool alive = lookup(db, s, key, q, res.counts);
    auto t1 = Clock::now();
    res.lat_ns.push_back(
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
    res.last_done = t1;
    if (!alive) {
      mysql_close(db);
      db = open_db(s);
      if (!db) break;
    }
  }
  if (db) mysql_close(db);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Options opt(argc, argv,
                     {{"keys", ""},
                      {"host", "127.0.0.1"},
                      {"port", "3306"},
                      {"socket", ""},
                      {"user", ""},
                      {"password", ""},
                      {"dbname", "postfix"},
                      {"query", "SELECT maildir FROM mailbox WHERE username='%s' AND active='1'"},
                      {"conns", "8"},
                      {"duration", "3"},
                      {"requests", "0"},
                      {"order", "random"},
                      {"seed", "1"}},
                     kUsage);
  Setup s;
  s.host = opt.str("host");
  s.port = static_cast<unsigned>(opt.num("port"));
  s.socket = opt.str("socket");
  s.user = opt.str("user");
  s.password = opt.str("password");
  s.dbname = opt.str("dbname");
  std::string query = opt.str("query");
  auto pct = query.find("%s");
  if (pct == std::string::npos || opt.str("keys").empty()) {
    std::fprintf(stderr, "fatal: --keys is required and --query must contain %%s\n%s", kUsage);
    return 2;
  }
  s.query_head = query.substr(0, pct);
  s.query_tail = query.substr(pct + 2);
  s.keys = bench::load_keys(opt.str("keys"));
  bench::KeyPicker picker(s.keys.size(), opt.str("order") != "seq");
  s.picker = &picker;
  s.max_requests = opt.num("requests");
  long nconns = std::max(1L, opt.num("conns"));
  mysql_library_init(0, nullptr, nullptr);

  std::vector<MYSQL*> dbs;  // connect all first, so connection setup is not timed
  for (long i = 0; i < nconns; ++i) {
    MYSQL* db = open_db(s);
    if (!db) return 1;
    dbs.push_back(db);
  }
  std::vector<ThreadResult> results(static_cast<size_t>(nconns));
  double cpu0 = bench::cpu_seconds();
  auto start = Clock::now();
  s.deadline = start + std::chrono::milliseconds(static_cast<long>(opt.real("duration") * 1000));
  std::vector<std::thread> threads;
  for (long i = 0; i < nconns; ++i) {
    uint64_t seed =
        static_cast<uint64_t>(opt.num("seed")) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(i) + 1;
    threads.emplace_back(run_client, std::ref(s), seed, dbs[static_cast<size_t>(i)],
                         std::ref(results[static_cast<size_t>(i)]));
  }
  for (auto& t : threads) t.join();
  bench::Counts total;
  std::vector<uint64_t> lat;
  auto end = start;
  for (auto& r : results) {
    total.add(r.counts);
    lat.insert(lat.end(), r.lat_ns.begin(), r.lat_ns.end());
    end = std::max(end, r.last_done);
  }
  double secs = std::chrono::duration<double>(end - start).count();
  std::string target =
      s.socket.empty() ? "inet:" + s.host + ":" + std::to_string(s.port) : "unix:" + s.socket;
  bench::print_result("native_mysql", target, nconns, nconns, total, secs, bench::cpu_seconds() - cpu0, lat);
  mysql_library_end();
  return total.ok == 0 ? 3 : 0;
}
