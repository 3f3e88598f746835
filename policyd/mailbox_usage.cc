// mailbox_usage.cc - maildirsize read by the Maildir++ rules, never written.
#include "policyd/mailbox_usage.h"

#include "policyd/check.h"

namespace policyd {

using core::mailbox::QuotaSpec;
using core::mailbox::Usage;

// over_quota - the file's sum decides unless an over-quota answer is untrusted.
core::Result<bool> MailboxUsage::over_quota(const std::string& root, const QuotaSpec& limit, int64_t size) {
  auto f = core::mailbox::read_maildirsize(root + "/maildirsize");
  if (!f) return f.error();
  if (!f->exists) return false;  // usage unknown: see the header
  core::mailbox::MaildirSize m = core::mailbox::parse_maildirsize(f->text);
  if (m.must_recount) return false;  // unparsable or too big: see the header
  if (!core::mailbox::over_quota(limit, m.usage, size, 1)) return false;
  if (core::mailbox::trust_over_quota(m, f->age)) return true;
  auto u = recount(root);
  if (!u) return u.error();
  return core::mailbox::over_quota(limit, *u, size, 1);
}

// recount - a cached read-only recount; would_block() on the loop pass.
core::Result<Usage> MailboxUsage::recount(const std::string& root) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = recounts_.find(root);
    if (it != recounts_.end() && now - it->second.at < kRecountTtl) return it->second.usage;
  }
  if (!blocking_allowed()) return would_block();
  auto u = core::mailbox::recount_usage(root, options_);
  if (!u) return u.error();
  std::lock_guard lock(mu_);
  if (recounts_.size() >= kRecountCacheMax) recounts_.clear();
  recounts_[root] = Recount{*u, now};
  return *u;
}

}  // namespace policyd
