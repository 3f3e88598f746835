// maildir.h - writing one message into a Maildir the way the Maildir spec
// and Postfix's virtual(8) do it (postfix-virtual-delivery.md section 2):
// create tmp/<unique>, write, fsync, link into new/<unique>,S=<size>, unlink
// the tmp name, fsync new/. Missing maildirs (cur, new, tmp) are created
// 0700, owned by the running user (pipe's user=).
//
// TmpFile owns the file in tmp/: its destructor unlinks it unless commit()
// succeeded, so an error anywhere leaves nothing behind. Errors are Outcome
// values (deferrals) carrying the path and strerror. Not thread-safe.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/mailbox/usage_scan.h"
#include "vdelivery/status.h"

namespace vdelivery {

// UniqueName - the parts of a unique Maildir name (maildir-quota.md section 2).
struct UniqueName {
  int64_t sec = 0;
  int64_t usec = 0;
  int64_t pid = 0;
  std::string host;  // already escaped
};

// escape_host - hostname with '/' as \057 and ':' as \072 (Maildir spec).
std::string escape_host(std::string_view host);
// tmp_name - "<sec>.M<usec>P<pid>.<host>".
std::string tmp_name(const UniqueName& u);
// new_name - "<sec>.M<usec>P<pid>V<devhex>I<inohex>.<host>,S=<size>".
std::string new_name(const UniqueName& u, dev_t dev, ino_t ino, int64_t size);
// name_size - core/mailbox/usage_scan.h (the recount reads it too).
using core::mailbox::name_size;

// ensure_maildir - make DIR/{cur,new,tmp} (and missing parents) mode 0700.
// FOLDER (a Maildir++ ".name" folder) also gets its maildirfolder file.
std::optional<Outcome> ensure_maildir(const std::string& dir, bool folder);

class TmpFile {
 public:
  TmpFile() = default;
  TmpFile(const TmpFile&) = delete;
  TmpFile& operator=(const TmpFile&) = delete;
  ~TmpFile();

  // create - open DIR/tmp/<tmp_name> O_EXCL 0600.
  std::optional<Outcome> create(const std::string& dir, const UniqueName& name);
  // write_all - write every byte (several parts for writev). Size adds up.
  std::optional<Outcome> write_all(std::string_view a, std::string_view b = {}, std::string_view c = {});
  // commit - fsync, close, link into new/, unlink tmp, fsync new/. FSYNC =
  // false is for benchmarks and tests on tmpfs only. Returns the new path.
  std::optional<Outcome> commit(bool fsync_on, std::string* new_path);
  int64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
  UniqueName name_;
  int fd_ = -1;
  int64_t size_ = 0;
  bool done_ = false;
};

}  // namespace vdelivery
