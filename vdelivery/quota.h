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
#include "vdelivery/maildirsize.h"

namespace vdelivery {

struct QuotaOptions {
  bool inbox_only = false;
  bool trash_count = false;
  std::string trash_name = ".Trash";
  std::chrono::seconds lock_timeout{10};
};

// parse_limit - a quota_maps value: bytes ("10240000"), or "NS[,MC]". A
// negative number means "use the default" (Postfix Admin's -1): nullopt.
core::Result<std::optional<QuotaSpec>> parse_limit(std::string_view value);

// resolve_limit - quota_maps for ADDRESS, then "@DOMAIN", then DEFAULT_BYTES.
// A lookup error is returned (the caller defers), never treated as "none".
core::Result<QuotaSpec> resolve_limit(core::table::Table* maps, std::string_view address,
                                      std::string_view domain, int64_t default_bytes);

// recount_usage - scan ROOT as Maildir++ (never tmp/). Files without a
// usable ,S= are stat()ed; files that vanish are skipped.
core::Result<Usage> recount_usage(const std::string& root, const QuotaOptions& options);

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

// append_usage - add "<bytes> <count>" to ROOT/maildirsize when it exists.
core::Status append_usage(const std::string& root, int64_t bytes, int64_t count);

}  // namespace vdelivery
