// test_daemon.cc - run_daemon() in a forked child: config, logging, signals, privileges.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "core/log/log.h"
#include "core/server/server.h"
#include "tests/unit/server/echo_session.h"
#include "tests/unit/server/test_support.h"

using namespace test_server;
using Clock = std::chrono::steady_clock;

namespace {

constexpr core::config::ParamSpec kTestParams[] = {{"testd_listen", ""}};
Shared g_shared;

core::Status init(core::server::Server& server, const core::config::Config& cfg) {
  g_shared.server = &server;
  return server.listen(
      cfg.get("testd_listen"), server.listen_options(),
      [](const std::shared_ptr<Connection>&) { return std::make_unique<LineSession>(&g_shared); });
}

core::Status reload(core::server::Server&, const core::config::Config& cfg) {
  if (cfg.get("testd_listen").empty()) return core::config_error("testd_listen is empty");
  core::log::info("test reload ok");
  return core::ok_status();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// spawn - fork a child running run_daemon with ARGS; its stderr goes to DIR/stderr.
pid_t spawn(const TempDir& dir, std::vector<std::string> args, int stdin_fd = -1, int stdout_fd = -1) {
  args.insert(args.begin(), {"testd", "-c", dir.path});
  std::fflush(nullptr);  // the child must not repeat our buffered output
  pid_t pid = fork();
  if (pid != 0) return pid;
  int err = open((dir.path + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(err, 2);
  if (stdin_fd >= 0) dup2(stdin_fd, 0);
  if (stdout_fd >= 0) dup2(stdout_fd, 1);
  for (int fd = 3; fd < 1024; ++fd) close(fd);  // e.g. the parent's end of our stdin pipe
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  core::server::DaemonSpec spec{.name = "testd",
                                .params = kTestParams,
                                .param_prefixes = {},
                                .init = init,
                                .reload = reload,
                                .on_usr1 = [] { core::log::info("usr1 counters"); },
                                .worker_threads = 2};
  _exit(core::server::run_daemon(static_cast<int>(args.size()), argv.data(), spec));
}

// wait_for - poll PRED for up to 3 s.
template <typename F>
bool wait_for(F pred) {
  for (int i = 0; i < 300; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// exit_status - wait up to 5 s for PID; -1 if it did not exit (then it is killed).
int exit_status(pid_t pid) {
  int st = 0;
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return -1;
}

bool send_all_fd(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// read_all - everything until EOF (or a 3 s stall).
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 3000) <= 0) return out + "<timeout>";
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("daemon serves, warns about unknown parameters, stops on SIGTERM despite a stuck job", "[unit]") {
  TempDir dir;
  std::string sock = dir.path + "/d.sock";
  write_file(
      dir.path + "/vmailkit.cf",
      "maillog_file = " + dir.path + "/log\n# comment\ntestd_bogus = 1\ntestd_listen = unix:" + sock + "\n");
  pid_t pid = spawn(dir, {"-v"});
  REQUIRE(wait_for([&] { return exists(sock); }));
  int fd = connect_to("unix:" + sock);
  REQUIRE(fd >= 0);
  REQUIRE(send_all(fd, "hi\nhang\n"));
  CHECK(read_line(fd) == "echo hi");
  CHECK(read_line(fd) == "hanging");
  kill(pid, SIGUSR1);
  REQUIRE(wait_for([&] { return read_file(dir.path + "/log").find("usr1 counters") != std::string::npos; }));
  auto t0 = Clock::now();
  kill(pid, SIGTERM);
  CHECK(exit_status(pid) == 0);
  CHECK(Clock::now() - t0 < std::chrono::seconds(3));
  CHECK_FALSE(exists(sock));
  close(fd);
  std::string log = read_file(dir.path + "/log");
  CHECK_THAT(log,
             Catch::Contains("vmailkit/testd[") &&
                 Catch::Contains("warning: " + dir.path + "/vmailkit.cf:3: unknown parameter testd_bogus"));
  CHECK_THAT(log, Catch::Contains("warning: serving clients as root; set testd_user"));
  CHECK_THAT(log, Catch::Contains("daemon stopping on signal 15"));
  CHECK(read_file(dir.path + "/stderr").empty());
}

TEST_CASE("daemon reloads on SIGHUP and keeps the old config on errors", "[unit]") {
  TempDir dir;
  std::string sock = dir.path + "/r.sock";
  std::string base = "maillog_file = " + dir.path + "/log\ntestd_listen = unix:" + sock + "\n";
  write_file(dir.path + "/vmailkit.cf", base);
  pid_t pid = spawn(dir, {});
  REQUIRE(wait_for([&] { return exists(sock); }));
  write_file(dir.path + "/vmailkit.cf", base + "testd_idle_timeout = 2m\n");
  kill(pid, SIGHUP);
  REQUIRE(wait_for([&] { return read_file(dir.path + "/log").find("reloaded") != std::string::npos; }));
  write_file(dir.path + "/vmailkit.cf", "maillog_file = " + dir.path + "/log\ntestd_idle_timeout = soon\n");
  kill(pid, SIGHUP);
  REQUIRE(
      wait_for([&] { return read_file(dir.path + "/log").find("keeping the old") != std::string::npos; }));
  int fd = connect_to("unix:" + sock);
  REQUIRE(send_all(fd, "still\n"));
  CHECK(read_line(fd) == "echo still");
  close(fd);
  kill(pid, SIGTERM);
  CHECK(exit_status(pid) == 0);
  std::string log = read_file(dir.path + "/log");
  CHECK_THAT(log, Catch::Contains("test reload ok"));
  CHECK_THAT(log,
             Catch::Contains("error: reload: " + dir.path + "/vmailkit.cf:2: bad testd_idle_timeout value"));
}

TEST_CASE("daemon startup failures are one fatal line and exit 1", "[unit]") {
  struct Case {
    std::string cf;
    std::vector<std::string> args;
    std::string want;
  };
  TempDir dir;
  std::vector<Case> cases = {
      {"testd_listen = unix:/nonexistent-dir/x.sock\n", {}, "cannot bind unix:/nonexistent-dir/x.sock"},
      {"testd_listen = unix:" + dir.path + "/x.sock\n",
       {"-o", "testd_socket_mode=999"},
       "testd_socket_mode = 999"},
      {"testd_listen = unix:" + dir.path + "/x.sock\n",
       {"-o", "testd_user=no-such-user-xyz"},
       "no such user"},
      {"testd_listen = unix:" + dir.path + "/x.sock\n", {"-x"}, "unknown option -x"},
      {"  broken continuation\n", {}, "vmailkit.cf"},
  };
  cases.push_back({"testd_listen = unix:" + dir.path + "/x.sock\n",
                   {"-S"},
                   "-S: stdin must be a socket, pipe or terminal"});
  int devnull = open("/dev/null", O_RDWR);
  for (const auto& c : cases) {
    INFO(c.want);
    write_file(dir.path + "/vmailkit.cf", c.cf);
    pid_t pid = spawn(dir, c.args, devnull, devnull);
    CHECK(exit_status(pid) == 1);
    std::string err = read_file(dir.path + "/stderr");
    CHECK_THAT(err, Catch::StartsWith("testd: fatal: ") && Catch::Contains(c.want));
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
  close(devnull);
}

TEST_CASE("daemon drops privileges to <name>_user", "[unit]") {
  if (geteuid() != 0) return;  // needs root to switch users
  TempDir dir;
  chmod(dir.path.c_str(), 0755);
  std::string sock = dir.path + "/p.sock";
  write_file(dir.path + "/vmailkit.cf",
             "maillog_file = " + dir.path + "/log\ntestd_user = nobody\ntestd_listen = unix:" + sock + "\n");
  pid_t pid = spawn(dir, {});
  REQUIRE(wait_for([&] {
    return exists(sock) && read_file(dir.path + "/log").find("daemon started") != std::string::npos;
  }));
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  CHECK_THAT(status, Catch::Contains("Uid:\t65534\t65534\t65534\t65534"));
  kill(pid, SIGTERM);
  CHECK(exit_status(pid) == 0);
  CHECK_THAT(read_file(dir.path + "/log"), !Catch::Contains("serving clients as root"));
}

TEST_CASE("daemon -S serves one client on stdin/stdout pipes or a socket", "[unit]") {
  TempDir dir;
  std::string sock = dir.path + "/never.sock";
  write_file(dir.path + "/vmailkit.cf",
             "maillog_file = " + dir.path + "/log\ntestd_listen = unix:" + sock + "\n");
  SECTION("pipes, ended by EOF on stdin") {
    int in[2], out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    pid_t pid = spawn(dir, {"-S"}, in[0], out[1]);
    close(in[0]);
    close(out[1]);
    REQUIRE(send_all_fd(in[1], "one\nslow two\nthree\n"));
    close(in[1]);
    CHECK(read_all(out[0]) == "echo one\ndone two\necho three\n");
    close(out[0]);
    CHECK(exit_status(pid) == 0);
  }
  SECTION("a socket, ended by the session") {
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    pid_t pid = spawn(dir, {"-S"}, sv[1], sv[1]);
    close(sv[1]);
    REQUIRE(send_all(sv[0], "hi\nquit\nignored\n"));
    CHECK(read_all(sv[0]) == "echo hi\nbye\n");
    close(sv[0]);
    CHECK(exit_status(pid) == 0);
  }
  CHECK_FALSE(exists(sock));  // -S binds nothing
  CHECK(read_file(dir.path + "/stderr").empty());
}
