// durable_floor.cc - the least a durable Maildir delivery must do, as a
// baseline for bench.py: read stdin, write tmp/<name>, fsync the file, link
// it into new/, unlink tmp/, fsync new/. No configuration, no lookups, no
// quota, no logging; a small static program. What vdelivery costs above this
// (in the same run) is its own overhead; what maildrop saves below it is the
// directory fsync it does not do.
//
//   durable_floor MAILDIR < message
#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) return 64;
  std::string md = argv[1], msg;
  char buf[65536];
  for (ssize_t n; (n = read(0, buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  char name[128];
  std::snprintf(name, sizeof name, "%ld.M%ldP%d.floor,S=%zu", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec), static_cast<int>(getpid()), msg.size());
  std::string tmp = md + "/tmp/" + name, dst = md + "/new/" + name;
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, msg.data(), msg.size()) != static_cast<ssize_t>(msg.size()) || fsync(fd) != 0 ||
      close(fd) != 0)
    return 75;
  if (link(tmp.c_str(), dst.c_str()) != 0 || unlink(tmp.c_str()) != 0) return 75;
  int dir = open((md + "/new").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || fsync(dir) != 0) return 75;
  close(dir);
  return 0;
}
