// usage_scan.h - reading one maildir's usage without changing anything: the
// maildirsize file as it is (at most kMaildirsizeMax bytes, and its age for
// the Maildir++ 15-minute rule), and the recount scan of new/ and cur/ of
// INBOX and the Maildir++ folders (maildir-quota.md sections 4-5). Writing
// maildirsize is vdelivery's business (vdelivery/quota.h).
//
// Errors are Retry errors naming the path and strerror (EACCES included: a
// permission problem is for the admin to fix while the mail waits). A
// missing maildirsize is not an error. Thread-safe (no state).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/mailbox/maildirsize.h"

namespace core::mailbox {

// What a recount counts.
struct QuotaOptions {
  bool inbox_only = false;
  bool trash_count = false;
  std::string trash_name = ".Trash";
  std::chrono::seconds lock_timeout{10};  // vdelivery's recount lock wait
};

// MaildirsizeFile - the file's text as read.
struct MaildirsizeFile {
  bool exists = false;
  std::string text;
  int64_t age = 0;  // seconds since mtime
};

// name_size - the size from a ",S=<n>" field (Dovecot's rule: the first S=,
// digits ended by ':', ',' or the end); nullopt when there is none.
std::optional<int64_t> name_size(std::string_view name);

// read_maildirsize - PATH's first kMaildirsizeMax bytes and age; exists=false when missing.
core::Result<MaildirsizeFile> read_maildirsize(const std::string& path);

// recount_usage - scan ROOT as Maildir++ (never tmp/). Files without a
// usable ,S= are stat()ed; files that vanish are skipped.
core::Result<Usage> recount_usage(const std::string& root, const QuotaOptions& options);

}  // namespace core::mailbox
