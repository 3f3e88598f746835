// quota.h - the Maildir++ quota of one maildir on disk: the limit from
// quota_maps, reading maildirsize, recalculating it by the Maildir++ rules
// (maildir-quota.md sections 4-5) and appending a delivery's usage line.
//
// Appends are one write(2) on O_APPEND, without a lock (as Courier and
// Dovecot do), so the cost of a delivery does not grow with the mailbox.
// A recalculation (file >= 5120 bytes, unparsable, quota line different
// from the limit, or over quota by a file that is not trusted) takes an
// exclusive flock(2) on the maildir root directory, rescans new/ and cur/
// of INBOX and the folders, and replaces maildirsize by rename(2).
// Concurrent deliveries may overshoot the limit by at most the messages in
// flight. Errors are Retry errors (I/O, lock busy). Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/base/result.h"
#include "core/table/table.h"
#include "core/mailbox/maildirsize.h"
#include "core/mailbox/quota_limit.h"
#include "core/mailbox/usage_scan.h"

namespace vdelivery {

// The read side lives in core/mailbox (policyd reads the same facts).
using core::mailbox::MaildirSize;
using core::mailbox::QuotaOptions;
using core::mailbox::QuotaSpec;
using core::mailbox::Usage;
using core::mailbox::parse_limit;
using core::mailbox::recount_usage;
using core::mailbox::resolve_limit;

struct QuotaCheck {
  Usage usage;        // before this delivery
  bool over = false;  // this delivery would exceed the limit
  bool recounted = false;
  // With recounted: the recount minus what the old file said (0 when there
  // was no usable old file: then nothing is known), so a per-domain total
  // can follow deletes.
  Usage correction;
};

// check_quota - would SIZE more bytes (one message) exceed LIMIT in ROOT?
// Rewrites maildirsize when needed (see above). NOW is for the 15-minute rule.
core::Result<QuotaCheck> check_quota(const std::string& root, const QuotaSpec& limit, int64_t size,
                                     const QuotaOptions& options);

// UsageLock - a shared flock on the maildir root, held from the move into
// new/ until the delivery's maildirsize line is written. check_quota's
// recount takes the same lock exclusively, so it never sees a message in
// new/ whose line is still to come (which would count it twice).
class UsageLock {
 public:
  UsageLock() = default;
  UsageLock(const UsageLock&) = delete;
  UsageLock& operator=(const UsageLock&) = delete;
  ~UsageLock();
  core::Status take(const std::string& root, std::chrono::seconds timeout);

 private:
  int fd_ = -1;
};

// append_usage - add "<bytes> <count>" to ROOT/maildirsize when it exists.
core::Status append_usage(const std::string& root, int64_t bytes, int64_t count);

}  // namespace vdelivery
