// quota.cc - maildirsize on disk: limit lookup, read, recalculate, append.
#include "vdelivery/quota.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "vdelivery/maildir.h"

namespace vdelivery {
namespace {

using core::mailbox::format_maildirsize;
using core::mailbox::format_usage_line;
using core::mailbox::parse_maildirsize;
using core::mailbox::read_maildirsize;

core::Error io_error(std::string_view what, const std::string& path, int err) {
  return core::retry_error(fmt::format("{} {}: {}", what, path, std::strerror(err)));
}

// Fd - closes on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// write_maildirsize - replace ROOT/maildirsize atomically (tmp + rename).
core::Status write_maildirsize(const std::string& root, const QuotaSpec& spec, const Usage& usage) {
  std::string tmp = fmt::format("{}/tmp/{}.P{}_maildirsize", root, time(nullptr), getpid());
  std::string text = format_maildirsize(spec, usage);
  Fd fd{open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  if (fd.fd < 0) return io_error("create", tmp, errno);
  if (write(fd.fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    int err = errno ? errno : ENOSPC;
    unlink(tmp.c_str());
    return io_error("write", tmp, err);
  }
  if (rename(tmp.c_str(), (root + "/maildirsize").c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return io_error("rename", tmp, err);
  }
  return core::ok_status();
}

// lock_root - flock (OP: LOCK_EX or LOCK_SH) on the maildir root, waiting up to TIMEOUT.
core::Status lock_root(Fd& fd, const std::string& root, std::chrono::seconds timeout, int op = LOCK_EX) {
  fd.fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd.fd < 0) return io_error("open", root, errno);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (flock(fd.fd, op | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return io_error("lock", root, errno);
    if (std::chrono::steady_clock::now() >= deadline)
      return core::retry_error(fmt::format("maildirsize lock on {} busy for {}s", root, timeout.count()));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return core::ok_status();
}

}  // namespace

// check_quota - Maildir++ reader rules, then a locked recount when needed.
core::Result<QuotaCheck> check_quota(const std::string& root, const QuotaSpec& limit, int64_t size,
                                     const QuotaOptions& options) {
  std::string path = root + "/maildirsize";
  auto f = read_maildirsize(path);
  if (!f) return f.error();
  QuotaCheck c;
  if (f->exists) {
    MaildirSize m = parse_maildirsize(f->text);
    if (!m.must_recount && m.quota == limit) {
      c.usage = m.usage;
      c.over = over_quota(limit, m.usage, size, 1);
      if (!c.over || trust_over_quota(m, f->age)) return c;
    }
  }
  Fd lock;
  if (auto st = lock_root(lock, root, options.lock_timeout); !st) return st.error();
  // Someone may have recalculated while we waited: a fresh one-line file will do.
  f = read_maildirsize(path);
  if (!f) return f.error();
  std::optional<Usage> old;
  if (f->exists) {
    MaildirSize m = parse_maildirsize(f->text);
    if (!m.must_recount && m.quota == limit && m.usage_lines == 1 && f->age < 2) {
      c.usage = m.usage;
      c.over = over_quota(limit, m.usage, size, 1);
      return c;
    }
    if (!m.must_recount) old = m.usage;
  }
  auto u = recount_usage(root, options);
  if (!u) return u.error();
  if (auto st = write_maildirsize(root, limit, *u); !st) return st.error();
  if (old) c.correction = {u->bytes - old->bytes, u->count - old->count};
  c.usage = *u;
  c.over = over_quota(limit, *u, size, 1);
  c.recounted = true;
  return c;
}

// UsageLock::take - the shared lock deliveries hold between the move into
// new/ and their maildirsize line; a recount takes it exclusively.
core::Status UsageLock::take(const std::string& root, std::chrono::seconds timeout) {
  Fd fd;
  if (auto st = lock_root(fd, root, timeout, LOCK_SH); !st) return st;
  fd_ = fd.fd;
  fd.fd = -1;
  return core::ok_status();
}

UsageLock::~UsageLock() {
  if (fd_ >= 0) close(fd_);
}

// append_usage - one write(2) with O_APPEND, so concurrent lines never mix.
core::Status append_usage(const std::string& root, int64_t bytes, int64_t count) {
  std::string path = root + "/maildirsize";
  Fd fd{open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC)};
  if (fd.fd < 0) {
    if (errno == ENOENT) return core::ok_status();
    return io_error("open", path, errno);
  }
  std::string line = format_usage_line(bytes, count);
  if (write(fd.fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return io_error("append to", path, errno ? errno : ENOSPC);
  return core::ok_status();
}

}  // namespace vdelivery
