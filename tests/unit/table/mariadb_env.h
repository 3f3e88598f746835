// mariadb_env.h - shared helpers for [mariadb] tests (not for [unit]).
//
// The server comes from tests/integration/test_mysql_table.py, which starts a
// private MariaDB and sets VMAILKIT_TEST_MYSQL_HOSTS/_USER/_PASSWORD/_DBNAME;
// without them a test reports a skip and returns. VMAILKIT_TEST_MYSQL_CONTROL
// names a unix socket where the runner accepts "stop" / "start" and answers
// "ok", so fault tests can stop and restart the server.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/table/table.h"

namespace vmk_test {

struct MariaEnv {
  std::string hosts, user, password, dbname;
};

// maria_env - the server to use, or nullopt (and a reported skip).
inline std::optional<MariaEnv> maria_env() {
  const char* h = std::getenv("VMAILKIT_TEST_MYSQL_HOSTS");
  const char* d = std::getenv("VMAILKIT_TEST_MYSQL_DBNAME");
  if (h == nullptr || d == nullptr) {
    static bool said = false;
    if (!said)
      std::fprintf(stderr,
                   "SKIPPED [mariadb] tests: VMAILKIT_TEST_MYSQL_HOSTS/_DBNAME unset; "
                   "run tests/integration/test_mysql_table.py\n");
    said = true;
    WARN("SKIPPED: VMAILKIT_TEST_MYSQL_HOSTS/_DBNAME unset");
    return std::nullopt;
  }
  const char* u = std::getenv("VMAILKIT_TEST_MYSQL_USER");
  const char* p = std::getenv("VMAILKIT_TEST_MYSQL_PASSWORD");
  return MariaEnv{h, u ? u : "", p ? p : "", d};
}

// TempCf - a mysql_table(5) file for ENV plus BODY, removed at scope exit.
struct TempCf {
  std::string path;
  TempCf(const MariaEnv& env, const std::string& body, const std::string& hosts = "") {
    char p[] = "/tmp/vmk-maria-XXXXXX";
    int fd = mkstemp(p);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = p;
    std::ofstream(path) << "hosts = " << (hosts.empty() ? env.hosts : hosts) << "\nuser = " << env.user
                        << "\npassword = " << env.password << "\ndbname = " << env.dbname
                        << "\noption_group =\n"
                        << body;
  }
  ~TempCf() { std::remove(path.c_str()); }
};

// RawCf - a file with exactly TEXT.
struct RawCf {
  std::string path;
  explicit RawCf(const std::string& text) {
    char p[] = "/tmp/vmk-map-XXXXXX";
    int fd = mkstemp(p);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = p;
    std::ofstream(path) << text;
  }
  ~RawCf() { std::remove(path.c_str()); }
};

// open_table - open SPEC or fail the test with the reason.
inline std::unique_ptr<core::table::Table> open_table(const std::string& spec) {
  auto t = core::table::open_checked(spec, {});
  INFO(spec << ": " << (t ? "" : t.error().text));
  REQUIRE(t);
  return std::move(*t);
}

// control - send CMD ("stop"/"start") to the runner; false when not available.
inline bool control(const std::string& cmd) {
  const char* path = std::getenv("VMAILKIT_TEST_MYSQL_CONTROL");
  if (path == nullptr) return false;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  std::string line = cmd + "\n";
  REQUIRE(write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  char buf[64] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  ::close(fd);
  REQUIRE(n > 0);
  REQUIRE(std::string(buf, static_cast<size_t>(n)).rfind("ok", 0) == 0);
  return true;
}

// run_capture - run ARGV (no shell); stdout into *OUT; returns the exit status or -1.
inline int run_capture(const std::vector<std::string>& argv, std::string* out) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  ::close(fds[1]);
  out->clear();
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out->append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// map_file_text - schema/postfix/NAME with its connection lines replaced by
// the test server's.
inline std::string map_file_text(const MariaEnv& env, const std::string& name) {
  const char* root = std::getenv("VMAILKIT_TEST_SOURCE_ROOT");
  std::string path = std::string(root ? root : ".") + "/schema/postfix/" + name;
  std::ifstream in(path);
  INFO(path);
  REQUIRE(in);
  std::string text, line;
  int replaced = 0;
  while (std::getline(in, line)) {
    bool conn = false;
    for (const char* p : {"hosts ", "user ", "password ", "dbname "})
      if (line.rfind(p, 0) == 0) conn = true;
    replaced += conn;
    if (!conn) text += line + "\n";
  }
  CHECK(replaced == 4);
  return text + "hosts = " + env.hosts + "\nuser = " + env.user + "\npassword = " + env.password +
         "\ndbname = " + env.dbname + "\noption_group =\n";
}

}  // namespace vmk_test
