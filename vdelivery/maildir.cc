// maildir.cc - one message into a Maildir: tmp/, fsync, link to new/, fsync new/.
#include "vdelivery/maildir.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace vdelivery {

std::string escape_host(std::string_view host) {
  std::string out;
  for (char c : host) {
    if (c == '/')
      out += "\\057";
    else if (c == ':')
      out += "\\072";
    else
      out.push_back(c);
  }
  return out;
}

std::string tmp_name(const UniqueName& u) {
  return fmt::format("{}.M{}P{}.{}", u.sec, u.usec, u.pid, u.host);
}

std::string new_name(const UniqueName& u, dev_t dev, ino_t ino, int64_t size) {
  return fmt::format("{}.M{}P{}V{:x}I{:x}.{},S={}", u.sec, u.usec, u.pid, static_cast<uint64_t>(dev),
                     static_cast<uint64_t>(ino), u.host, size);
}

// make_dirs - mkdir -p with mode 0700; an existing directory is fine.
static int make_dirs(const std::string& path) {
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return errno;
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return ENOENT;
  if (int err = make_dirs(path.substr(0, slash)); err) return err;
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return 0;
  return errno;
}

// ensure_maildir - cheap when it exists: one stat of tmp/ decides.
std::optional<Outcome> ensure_maildir(const std::string& dir, bool folder) {
  struct stat st;
  if (stat((dir + "/tmp").c_str(), &st) == 0 && stat((dir + "/new").c_str(), &st) == 0) return std::nullopt;
  for (const char* sub : {"/tmp", "/new", "/cur"})
    if (int err = make_dirs(dir + sub); err) return from_errno(err, "create maildir " + dir + sub);
  if (folder) {
    int fd = open((dir + "/maildirfolder").c_str(), O_WRONLY | O_CREAT, 0600);
    if (fd < 0) return from_errno(errno, "create " + dir + "/maildirfolder");
    close(fd);
  }
  return std::nullopt;
}

TmpFile::~TmpFile() {
  if (fd_ >= 0) close(fd_);
  if (!path_.empty() && !done_) unlink(path_.c_str());
}

std::optional<Outcome> TmpFile::create(const std::string& dir, const UniqueName& name) {
  dir_ = dir;
  name_ = name;
  std::string path = dir + "/tmp/" + tmp_name(name);
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) return from_errno(errno, "create maildir file " + path);
  path_ = std::move(path);
  return std::nullopt;
}

// write_all - writev until every byte of the parts is written.
std::optional<Outcome> TmpFile::write_all(std::string_view a, std::string_view b, std::string_view c) {
  struct iovec iov[3] = {{const_cast<char*>(a.data()), a.size()},
                         {const_cast<char*>(b.data()), b.size()},
                         {const_cast<char*>(c.data()), c.size()}};
  int n = 3, first = 0;
  while (first < n) {
    ssize_t w = writev(fd_, iov + first, n - first);
    if (w < 0) {
      if (errno == EINTR) continue;
      return from_errno(errno, "write " + path_);
    }
    size_ += w;
    size_t left = static_cast<size_t>(w);
    while (first < n && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (first < n) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return std::nullopt;
}

// commit - the message counts as delivered only after new/ is synced.
std::optional<Outcome> TmpFile::commit(bool fsync_on, std::string* new_path) {
  struct stat st;
  if (fstat(fd_, &st) != 0) return from_errno(errno, "fstat " + path_);
  if (fsync_on && fsync(fd_) != 0) return from_errno(errno, "fsync " + path_);
  int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return from_errno(errno, "close " + path_);
  std::string target = dir_ + "/new/" + new_name(name_, st.st_dev, st.st_ino, size_);
  if (link(path_.c_str(), target.c_str()) != 0) return from_errno(errno, "link " + path_ + " to " + target);
  unlink(path_.c_str());
  done_ = true;
  if (fsync_on) {
    int dfd = open((dir_ + "/new").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return from_errno(errno, "open " + dir_ + "/new");
    int rc = fsync(dfd);
    int err = errno;
    close(dfd);
    // The link exists but may not survive a crash: defer, a retry may duplicate.
    if (rc != 0) return from_errno(err, "fsync " + dir_ + "/new");
  }
  *new_path = std::move(target);
  return std::nullopt;
}

}  // namespace vdelivery
