// quota_check.h - RCPT-time quota (issue 5): refuse a recipient whose mail
// would reach a local mailbox that is already full, before DATA.
//
// At protocol_state RCPT only (other states: no opinion). The recipient is
// resolved to the mailboxes it reaches (recipient_expand.h: plus
// addressing, virtual aliases, catch-alls and alias domains through
// policyd_alias_maps), then each final address is looked up in
// mailbox_maps as vdelivery does it (core/mailbox/recipient.h). A final
// address without a mailbox is a forward (or a vacation/other transport)
// and is not checked. For each local mailbox:
//   - its limit: quota_maps (address, @domain) or default_quota
//     (core/mailbox/quota_limit.h, vdelivery's order);
//   - its usage: policyd_quota2_maps when set (Dovecot's quota2 table,
//     "bytes messages" per username; no row = usage unknown = not full),
//     else maildirsize under mailbox_base (mailbox_usage.h, read only);
//   - the message: the request's size attribute, at least 1 byte (Dovecot
//     quota-status tests max(1, size));
//   - its domain's storage cap: vdelivery_domain_quota_maps with vdelivery's
//     per-domain usage file (core/mailbox/domain_usage.h).
// If ANY local mailbox is full the recipient is refused: the mail would
// otherwise be accepted and then deferred or bounced for that copy (the
// other copies are delivered, but the sender learns of the failure only
// from a bounce days later). Refusal: "452 4.2.2 Mailbox full", or 552 5.2.2
// with policyd_quota_status = 552 (Dovecot's quota_status_overquota role;
// by default the same choice as vdelivery_overquota_bounce, so refusing at
// RCPT gives the sender what a delivery attempt would have given);
// Postfix shows the client "452 4.2.2 <rcpt>: Recipient address rejected:
// Mailbox full". The full mailbox and why are logged ("quota: <rcpt>: ..."). A message larger than a mailbox's whole limit is always 552 5.2.2,
// as vdelivery (and the VDA patch) bounce it: retrying cannot help.
// No mailbox at all: no opinion. An alias loop or oversized expansion: no
// opinion (Postfix defers that mail itself), logged.
//
// Errors: table errors (Retry: database down; would_block() on the loop
// pass), maildir I/O errors (permission) and Config errors (a bad maildir
// path or quota value) are returned: policyd answers DEFER_IF_PERMIT.
// Thread-safe: immutable after construction except MailboxUsage's cache.
#pragma once

#include <memory>
#include <span>

#include "core/config/config.h"
#include "core/table/table.h"
#include "policyd/check.h"
#include "policyd/mailbox_usage.h"
#include "policyd/recipient_expand.h"

namespace policyd {

// The quota check's parameters (checks.cc gathers them).
extern const std::span<const core::config::ParamSpec> kQuotaParams;

struct QuotaTables {
  std::shared_ptr<core::table::Table> aliases;       // policyd_alias_maps (may be null)
  std::shared_ptr<core::table::Table> mailboxes;     // mailbox_maps
  std::shared_ptr<core::table::Table> quotas;        // quota_maps (may be null)
  std::shared_ptr<core::table::Table> quota2;        // policyd_quota2_maps (may be null)
  std::shared_ptr<core::table::Table> domain_caps;   // vdelivery_domain_quota_maps (may be null)
};

struct QuotaSettings {
  std::string mailbox_base;
  std::string delimiters;            // recipient_delimiter
  int64_t default_quota = 0;         // bytes, 0 = unlimited
  bool permanent = false;            // policyd_quota_status = 552
  std::string domain_usage_directory;
  ExpandLimits limits;
  core::mailbox::QuotaOptions scan;  // vdelivery_quota_inbox_only, _trash_count, _trash_name
};

class QuotaCheck final : public Check {
 public:
  QuotaCheck(QuotaTables tables, QuotaSettings settings)
      : tables_(std::move(tables)), settings_(std::move(settings)), usage_(settings_.scan) {}
  std::string_view name() const override { return "quota"; }
  core::Result<std::optional<Verdict>> check(const Request& request) override;

 private:
  struct Full {
    std::string mailbox;
    std::string why;
    bool too_large = false;
  };
  // full_target - why ADDRESS's mailbox cannot take SIZE more bytes; nullopt when it can or has none.
  core::Result<std::optional<Full>> full_target(const std::string& address, int64_t size);

  QuotaTables tables_;
  QuotaSettings settings_;
  MailboxUsage usage_;
};

// make_quota_check - nullptr when mailbox_maps is empty (check off).
core::Result<std::unique_ptr<Check>> make_quota_check(const CheckContext& ctx);

}  // namespace policyd
