// mailbox_usage.h - is one maildir over its quota, read only, for policyd's
// RCPT-time check. Reads maildirsize under the maildir root (never writes
// it: vdelivery and Dovecot own that file) by the Maildir++ reader rules
// (maildir-quota.md sections 4-5):
//   - the file is missing, unparsable, NUL-bearing or >= 5120 bytes: usage
//     unknown, the answer is "not full". Refusing on a guess could refuse
//     mail for a mailbox with room; the delivery agent recalculates the
//     file at the next delivery and still enforces the limit then.
//   - the sum of its lines leaves room: not full (Maildir++ believes that).
//   - over quota and trusted (one usage line, mtime < 15 min): full.
//   - over quota but not trusted (several lines, or old): the maildir is
//     recounted (the same scan vdelivery runs, read only) and that decides.
//     A recount is slow disk work: on policyd's loop pass it is
//     would_block(); its result is reused for kRecountTtl per maildir,
//     because while policyd refuses, no delivery rewrites the file.
//
// Errors: Retry errors naming the path (EACCES included: an admin must fix
// the permission while the mail waits), would_block(). Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "core/base/result.h"
#include "core/mailbox/maildirsize.h"
#include "core/mailbox/usage_scan.h"

namespace policyd {

inline constexpr std::chrono::seconds kRecountTtl{60};
inline constexpr size_t kRecountCacheMax = 10000;

class MailboxUsage {
 public:
  explicit MailboxUsage(core::mailbox::QuotaOptions options) : options_(std::move(options)) {}
  // over_quota - would SIZE bytes (one message) push ROOT over LIMIT?
  core::Result<bool> over_quota(const std::string& root, const core::mailbox::QuotaSpec& limit, int64_t size);

 private:
  struct Recount {
    core::mailbox::Usage usage;
    std::chrono::steady_clock::time_point at;
  };
  core::Result<core::mailbox::Usage> recount(const std::string& root);

  core::mailbox::QuotaOptions options_;
  std::mutex mu_;
  std::map<std::string, Recount> recounts_;
};

}  // namespace policyd
