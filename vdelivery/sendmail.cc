// sendmail.cc - posix_spawn of sendmail(1) with memory files for its I/O.
#include "vdelivery/sendmail.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/config/config.h"
#include "core/log/log.h"

extern char** environ;

namespace vdelivery {
namespace {

// Fd - closes on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

core::Error errno_error(std::string_view what) {
  return core::retry_error(fmt::format("sendmail: {}: {}", what, std::strerror(errno)));
}

// write_all - the whole of DATA into FD.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// output_of - what the child wrote into FD (at most 400 bytes, one line).
std::string output_of(int fd) {
  char buf[400];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  std::string out(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return core::log::printable(out, 400);
}

// wait_for - the child's wait status; kills it after TIMEOUT.
bool wait_for(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds(200);
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
      }
      return false;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
}

}  // namespace

std::vector<std::string> sendmail_argv(std::string_view command, std::string_view recipient) {
  std::vector<std::string> argv = core::config::split_list(command);
  for (const char* a : {"-i", "-f", "<>"}) argv.emplace_back(a);
  argv.emplace_back(recipient);
  return argv;
}

// send_mail - spawn, wait, judge the exit status as sendmail(1) documents it.
core::Status send_mail(std::string_view command, std::string_view recipient, std::string_view message,
                       std::chrono::milliseconds timeout) {
  std::vector<std::string> args = sendmail_argv(command, recipient);
  if (args.size() < 5 || args[0].empty() || args[0][0] != '/')
    return core::config_error("vdelivery_sendmail_path must start with an absolute path");
  Fd in{memfd_create("vdelivery-reply", MFD_CLOEXEC)},
      out{memfd_create("vdelivery-sendmail-out", MFD_CLOEXEC)};
  if (in.fd < 0 || out.fd < 0) return errno_error("memfd_create");
  if (!write_all(in.fd, message) || lseek(in.fd, 0, SEEK_SET) != 0) return errno_error("write the reply");

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in.fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out.fd, 1);
  posix_spawn_file_actions_adddup2(&fa, out.fd, 2);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    errno = rc;
    return errno_error("cannot run " + args[0]);
  }
  int status = 0;
  bool finished = wait_for(pid, timeout, &status);
  std::string said = output_of(out.fd);
  if (!finished)
    return core::retry_error(fmt::format("sendmail: {} killed after {} ms{}{}", args[0], timeout.count(),
                                         said.empty() ? "" : ": ", said));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return core::ok_status();
  std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                      : fmt::format("signal {}", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return core::retry_error(
      fmt::format("sendmail: {} failed ({}){}{}", args[0], how, said.empty() ? "" : ": ", said));
}

}  // namespace vdelivery
