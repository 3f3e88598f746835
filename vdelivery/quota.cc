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

struct FileText {
  bool exists = false;
  std::string text;
  int64_t age = 0;  // seconds since mtime
};

// read_maildirsize - at most kMaildirsizeMax bytes, plus its age.
core::Result<FileText> read_maildirsize(const std::string& path) {
  FileText f;
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    if (errno == ENOENT) return f;
    return io_error("open", path, errno);
  }
  struct stat st;
  if (fstat(fd.fd, &st) != 0) return io_error("fstat", path, errno);
  f.exists = true;
  f.age = static_cast<int64_t>(time(nullptr)) - static_cast<int64_t>(st.st_mtime);
  f.text.resize(kMaildirsizeMax);
  size_t got = 0;
  while (got < f.text.size()) {
    ssize_t n = read(fd.fd, f.text.data() + got, f.text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("read", path, errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  f.text.resize(got);
  return f;
}

// scan_dir - add DIR's messages to USAGE; keep the largest directory mtime.
core::Status scan_dir(const std::string& dir, Usage& usage, int64_t& max_mtime) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return core::ok_status();
    return io_error("stat", dir, errno);
  }
  max_mtime = std::max<int64_t>(max_mtime, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  DIR* d = opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return core::ok_status();
    return io_error("opendir", dir, errno);
  }
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string_view name = e->d_name;
    if (auto size = name_size(name)) {
      usage.bytes += *size;
      ++usage.count;
      continue;
    }
    struct stat fs;
    if (stat((dir + "/" + e->d_name).c_str(), &fs) != 0) continue;  // gone meanwhile
    if (!S_ISREG(fs.st_mode)) continue;
    usage.bytes += fs.st_size;
    ++usage.count;
  }
  closedir(d);
  return core::ok_status();
}

// folders - ROOT's Maildir++ folders (".name" directories, not symlinks).
std::vector<std::string> folders(const std::string& root, const QuotaOptions& options) {
  std::vector<std::string> out;
  DIR* d = opendir(root.c_str());
  if (!d) return out;
  while (struct dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() < 2 || name[0] != '.' || name[1] == '.') continue;
    if (!options.trash_count && name == options.trash_name) continue;
    struct stat st;
    if (lstat((root + "/" + e->d_name).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    out.emplace_back(name);
  }
  closedir(d);
  return out;
}

// counted_dirs - new/ and cur/ of INBOX and (unless inbox-only) every counted folder.
std::vector<std::string> counted_dirs(const std::string& root, const QuotaOptions& options) {
  std::vector<std::string> dirs{root + "/new", root + "/cur"};
  if (!options.inbox_only)
    for (const auto& f : folders(root, options)) {
      dirs.push_back(root + "/" + f + "/new");
      dirs.push_back(root + "/" + f + "/cur");
    }
  return dirs;
}

// newest_mtime - the largest mtime (ns) of DIRS; missing ones are skipped.
int64_t newest_mtime(const std::vector<std::string>& dirs) {
  int64_t t = 0;
  for (const auto& d : dirs) {
    struct stat st;
    if (stat(d.c_str(), &st) == 0)
      t = std::max<int64_t>(t, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  }
  return t;
}

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

// lock_root - exclusive flock on the maildir root, waiting up to TIMEOUT.
core::Status lock_root(Fd& fd, const std::string& root, std::chrono::seconds timeout) {
  fd.fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd.fd < 0) return io_error("open", root, errno);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (flock(fd.fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return io_error("lock", root, errno);
    if (std::chrono::steady_clock::now() >= deadline)
      return core::retry_error(fmt::format("maildirsize lock on {} busy for {}s", root, timeout.count()));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return core::ok_status();
}

}  // namespace

core::Result<std::optional<QuotaSpec>> parse_limit(std::string_view value) {
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec == std::errc() && p == value.data() + value.size()) {
    if (n < 0) return std::optional<QuotaSpec>();
    return std::optional<QuotaSpec>(QuotaSpec{n, 0});
  }
  auto spec = parse_quota_spec(value);
  if (!spec || value.empty()) return core::config_error(fmt::format("bad quota value \"{}\"", value));
  return std::optional<QuotaSpec>(*spec);
}

// resolve_limit - the VDA order: the address, then @domain, then the default.
core::Result<QuotaSpec> resolve_limit(core::table::Table* maps, std::string_view address,
                                      std::string_view domain, int64_t default_bytes) {
  if (maps) {
    for (std::string key : {std::string(address), "@" + std::string(domain)}) {
      auto r = maps->lookup(key);
      if (!r) return r.error();
      if (!*r) continue;
      auto limit = parse_limit(**r);
      if (!limit) return core::config_error(fmt::format("{}: {}: {}", maps->name(), key, limit.error().text));
      if (*limit) return **limit;
      break;  // negative: the default applies
    }
  }
  return QuotaSpec{default_bytes, 0};
}

// recount_usage - retry while someone changes the maildir under us (Courier: 5 tries).
core::Result<Usage> recount_usage(const std::string& root, const QuotaOptions& options) {
  Usage u;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto dirs = counted_dirs(root, options);
    int64_t before = 0;
    u = Usage{};
    for (const auto& d : dirs)
      if (auto st = scan_dir(d, u, before); !st) return st.error();
    if (newest_mtime(dirs) <= before) break;
  }
  return u;
}

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
