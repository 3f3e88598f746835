// spawn_timer.cc - run one command N times with stdin from a file and
// report the wall-clock time per run (posix_spawn, no shell, so the
// figures are not dominated by bash's fork cost; test-harness.md "Timing").
//
//   spawn_timer N FILE [-u UID:GID] [-a] -- COMMAND ARGS...
//
// Prints "runs=N mean_ms=.. median_ms=.. p90_ms=.. min_ms=.." on stdout;
// with -a first one "sample_ms=.." line per run.
// Exits 1 if any run exits non-zero (its status and stderr pass through).
// With -u the command runs with that uid/gid (set by the timer before
// spawning: the timer itself drops privileges, so run it as root).
#include <fcntl.h>
#include <grp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: spawn_timer N FILE [-u UID:GID] -- COMMAND ARGS...\n");
    return 2;
  }
  int n = std::atoi(argv[1]);
  const char* file = argv[2];
  int i = 3;
  if (std::strcmp(argv[i], "-u") == 0 && i + 1 < argc) {
    unsigned uid = 0, gid = 0;
    if (std::sscanf(argv[i + 1], "%u:%u", &uid, &gid) != 2) return 2;
    if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
      std::perror("spawn_timer: drop privileges");
      return 2;
    }
    i += 2;
  }
  bool all = false;
  if (i < argc && std::strcmp(argv[i], "-a") == 0) {
    all = true;
    ++i;
  }
  if (i >= argc || std::strcmp(argv[i], "--") != 0) return 2;
  char** cmd = argv + i + 1;
  std::vector<double> ms;
  for (int k = 0; k < n; ++k) {
    int fd = open(file, O_RDONLY);
    if (fd < 0) {
      std::perror(file);
      return 2;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, 0);
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid;
    int rc = posix_spawn(&pid, cmd[0], &fa, nullptr, cmd, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd);
    if (rc != 0) {
      std::fprintf(stderr, "spawn_timer: %s: %s\n", cmd[0], std::strerror(rc));
      return 2;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    auto t1 = std::chrono::steady_clock::now();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "spawn_timer: run %d: %s exited with status %d\n", k, cmd[0], status);
      return 1;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  if (all)
    for (double v : ms) std::printf("sample_ms=%.3f\n", v);
  std::vector<double> s = ms;
  std::sort(s.begin(), s.end());
  double mean = 0;
  for (double v : s) mean += v;
  mean /= static_cast<double>(s.size());
  std::printf("runs=%d mean_ms=%.3f median_ms=%.3f p90_ms=%.3f min_ms=%.3f\n", n, mean, s[s.size() / 2],
              s[s.size() * 9 / 10], s.front());
  return 0;
}
