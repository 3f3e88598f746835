// domain_usage.cc - per-domain usage file: append deltas, compact when large.
#include "core/mailbox/domain_usage.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/mailbox/quota_limit.h"

namespace core::mailbox {
namespace {

core::Error io_error(std::string_view what, const std::string& path, int err) {
  return core::retry_error(fmt::format("domain usage: {} {}: {}", what, path, std::strerror(err)));
}

// read_all - the whole (small) file, or "" when missing.
core::Result<std::string> read_all(const std::string& path, bool* exists) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  *exists = fd >= 0;
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return io_error("open", path, errno);
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return io_error("read", path, err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

// sum - the usage lines of TEXT (a header-less maildirsize).
Usage sum(const std::string& text) {
  return parse_maildirsize("0S\n" + text).usage;
}

}  // namespace

// domain_cap - "@domain" in the cap table; a value parsed like a quota_maps one.
core::Result<int64_t> domain_cap(core::table::Table& maps, std::string_view domain) {
  auto r = maps.lookup("@" + std::string(domain));
  if (!r) return r.error();
  if (!*r) return int64_t{0};
  auto cap = parse_limit(**r);
  if (!cap) return cap.error();
  if (!*cap || (*cap)->bytes <= 0) return int64_t{0};
  return (*cap)->bytes;
}

std::string domain_usage_directory(std::string_view configured, std::string_view mailbox_base) {
  if (!configured.empty()) return std::string(configured);
  return std::string(mailbox_base) + "/.vdelivery-domains";
}

DomainUsage::DomainUsage(std::string directory, std::string domain)
    : directory_(std::move(directory)), path_(directory_ + "/" + domain) {}

core::Result<Usage> DomainUsage::read() const {
  bool exists = false;
  auto text = read_all(path_, &exists);
  if (!text) return text.error();
  return sum(*text);
}

// add - append, then compact under an exclusive lock when the file grew large.
core::Status DomainUsage::add(int64_t bytes, int64_t count) const {
  if (mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) return io_error("mkdir", directory_, errno);
  int fd = -1;
  // A shared lock keeps appends out of a compaction's read-rename window;
  // after a compaction renamed a new file in, append to that one instead.
  for (int tries = 0;; ++tries) {
    fd = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("open", path_, errno);
    flock(fd, LOCK_SH);
    struct stat a, b;
    if (tries > 10 || (fstat(fd, &a) == 0 && stat(path_.c_str(), &b) == 0 && a.st_ino == b.st_ino)) break;
    close(fd);
  }
  std::string line = format_usage_line(bytes, count);
  ssize_t w = write(fd, line.data(), line.size());
  int err = errno;
  struct stat st;
  bool big = fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(kMaildirsizeMax);
  flock(fd, LOCK_UN);
  if (w != static_cast<ssize_t>(line.size())) {
    close(fd);
    return io_error("append to", path_, err ? err : ENOSPC);
  }
  if (big && flock(fd, LOCK_EX | LOCK_NB) == 0) {
    bool exists = false;
    auto text = read_all(path_, &exists);
    if (text) {
      Usage u = sum(*text);
      std::string tmp = fmt::format("{}.{}.tmp", path_, getpid());
      int t = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      std::string one = format_usage_line(u.bytes, u.count);
      if (t >= 0 && write(t, one.data(), one.size()) == static_cast<ssize_t>(one.size()) && close(t) == 0)
        rename(tmp.c_str(), path_.c_str());
      else
        unlink(tmp.c_str());
    }
  }
  close(fd);
  return core::ok_status();
}

}  // namespace core::mailbox
