// usage_scan.cc - reading a maildir's usage: maildirsize and the recount scan.
#include "core/mailbox/usage_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <vector>

namespace core::mailbox {
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

}  // namespace

// name_size - Dovecot's rule: the first ",S=", digits ended by ':', ',' or the end.
std::optional<int64_t> name_size(std::string_view name) {
  size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  size_t p = name.find(",S=");
  if (p == std::string_view::npos) return std::nullopt;
  const char* b = name.data() + p + 3;
  const char* e = name.data() + name.size();
  int64_t v = 0;
  auto [q, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || q == b || v < 0) return std::nullopt;
  if (q != e && *q != ':' && *q != ',') return std::nullopt;
  return v;
}

// read_maildirsize - at most kMaildirsizeMax bytes, plus its age.
core::Result<MaildirsizeFile> read_maildirsize(const std::string& path) {
  MaildirsizeFile f;
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

}  // namespace core::mailbox
