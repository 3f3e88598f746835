// quota_check.cc - RCPT-time quota: the parameters, the factory, the decision.
#include "policyd/quota_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "core/log/log.h"
#include "core/mailbox/domain_usage.h"
#include "core/mailbox/quota_limit.h"
#include "core/mailbox/recipient.h"

namespace policyd {
namespace {

using core::config::ParamSpec;
using core::mailbox::QuotaSpec;
using core::mailbox::Usage;

constexpr std::array kQuotaParamTable = {
    // Alias table list, Postfix's virtual_alias_maps meaning (Postfix Admin:
    // postfixadmin:alias:/etc/postfix/sql/mysql.cf, or the three
    // mysql_virtual_alias*_maps.cf files). Empty: recipients are not expanded.
    ParamSpec{"policyd_alias_maps", ""},
    ParamSpec{"policyd_alias_recursion_limit", "1000"},  // virtual_alias_recursion_limit
    ParamSpec{"policyd_alias_expansion_limit", "1000"},  // virtual_alias_expansion_limit
    // Dovecot's quota2 usage per username: "bytes messages" (or "bytes").
    // Empty: usage comes from maildirsize under mailbox_base.
    ParamSpec{"policyd_quota2_maps", ""},
    // 452 (4.2.2, the sender retries) or 552 (5.2.2, refused for good);
    // empty: as vdelivery answers a full mailbox (vdelivery_overquota_bounce).
    ParamSpec{"policyd_quota_status", ""},
    // Shared with vdelivery (vdelivery/settings.h): the same facts, read the same way.
    ParamSpec{"mailbox_base", ""},
    ParamSpec{"mailbox_maps", ""},
    ParamSpec{"quota_maps", ""},
    ParamSpec{"default_quota", "0"},
    ParamSpec{"vdelivery_domain_quota_maps", ""},
    ParamSpec{"vdelivery_domain_usage_directory", ""},
    ParamSpec{"vdelivery_quota_inbox_only", "no"},
    ParamSpec{"vdelivery_trash_count", "no"},
    ParamSpec{"vdelivery_trash_name", ".Trash"},
    ParamSpec{"vdelivery_overquota_bounce", "no"},
};

// parse_quota2 - "bytes messages" or "bytes"; anything else is a Config error.
core::Result<Usage> parse_quota2(std::string_view table, std::string_view key, std::string_view value) {
  auto items = core::config::split_list(value);
  Usage u;
  int64_t* dest[] = {&u.bytes, &u.count};
  bool ok = !items.empty() && items.size() <= 2;
  for (size_t i = 0; ok && i < items.size(); ++i) {
    const std::string& s = items[i];
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *dest[i]);
    ok = ec == std::errc() && p == s.data() + s.size();
  }
  if (!ok) return core::config_error(fmt::format("{}: {}: bad quota2 value \"{}\" (want \"bytes messages\")",
                                                 table, key, core::log::printable(value)));
  return u;
}

// open_optional - the table list named by PARAM, or null when it is empty.
core::Status open_optional(const CheckContext& ctx, std::string_view param,
                           std::shared_ptr<core::table::Table>& out) {
  std::string specs = ctx.config->get(param);
  if (specs.empty()) return core::ok_status();
  auto t = ctx.open_tables(specs);
  if (!t) return core::config_error(fmt::format("{}: {}", param, t.error().text));
  out = std::move(*t);
  return core::ok_status();
}

}  // namespace

const std::span<const core::config::ParamSpec> kQuotaParams = kQuotaParamTable;

// full_target - vdelivery's lookups, then the usage and domain cap tests.
core::Result<std::optional<QuotaCheck::Full>> QuotaCheck::full_target(const std::string& address, int64_t size) {
  using Out = std::optional<Full>;
  auto a = core::mailbox::split_address(address, settings_.delimiters);
  auto found = core::mailbox::find_mailbox(*tables_.mailboxes, a);
  if (!found) return found.error();
  if (!*found) return Out();  // a forward or another transport: not ours to judge
  auto limit = core::mailbox::resolve_limit(tables_.quotas.get(), a.key(), a.domain, settings_.default_quota);
  if (!limit) return limit.error();
  if (!limit->unlimited()) {
    bool over = false;
    if (tables_.quota2) {
      auto r = tables_.quota2->lookup(a.key());
      if (!r) return r.error();
      if (*r) {
        auto used = parse_quota2(tables_.quota2->name(), a.key(), **r);
        if (!used) return used.error();
        over = core::mailbox::over_quota(*limit, *used, size, 1);
      }
    } else {
      auto root = core::mailbox::maildir_path(settings_.mailbox_base, **found);
      if (!root) return root.error();
      auto r = usage_.over_quota(*root, *limit, size);
      if (!r) return r.error();
      over = *r;
    }
    if (over)
      return Out(Full{a.key(), "mailbox over quota", limit->bytes > 0 && size > limit->bytes});
  }
  if (tables_.domain_caps) {
    auto cap = core::mailbox::domain_cap(*tables_.domain_caps, a.domain);
    if (!cap) return cap.error();
    if (*cap > 0) {
      auto used = core::mailbox::DomainUsage(settings_.domain_usage_directory, a.domain).read();
      if (!used) return used.error();
      if (used->bytes + size > *cap) return Out(Full{a.key(), "domain storage limit reached", size > *cap});
    }
  }
  return Out();
}

// check - expand, then refuse when any local target is full.
core::Result<std::optional<Verdict>> QuotaCheck::check(const Request& request) {
  using Out = std::optional<Verdict>;
  if (request.get("protocol_state") != "RCPT") return Out();
  std::string_view rcpt = request.get("recipient");
  if (rcpt.empty() || rcpt.find('@') == std::string_view::npos) return Out();
  int64_t size = 1;
  std::string_view size_attr = request.get("size");
  int64_t n = 0;
  auto [p, ec] = std::from_chars(size_attr.data(), size_attr.data() + size_attr.size(), n);
  if (ec == std::errc() && p == size_attr.data() + size_attr.size() && n > 1) size = n;
  auto e = expand_recipient(tables_.aliases.get(), rcpt, settings_.delimiters, settings_.limits);
  if (!e) return e.error();
  if (e->status != Expansion::Status::kOk) {
    core::log::warning("quota: {}: virtual alias {} for <{}>: not checked (Postfix defers it)",
                       tables_.aliases ? tables_.aliases->name() : "",
                       e->status == Expansion::Status::kTooDeep ? "nesting too deep (a loop?)" : "expansion too large",
                       core::log::printable(rcpt));
    return Out();
  }
  for (const auto& target : e->addresses) {
    auto full = full_target(target, size);
    if (!full) return full.error();
    if (!*full) continue;
    bool permanent = settings_.permanent || (*full)->too_large;
    // Postfix shows it as "552 5.2.2 <rcpt>: Recipient address rejected: Mailbox full".
    Verdict v{Verdict::Kind::kReject, permanent ? "552 5.2.2 Mailbox full" : "452 4.2.2 Mailbox full",
              fmt::format("Mailbox full ({}: {})", (*full)->mailbox, (*full)->why)};
    core::log::info("quota: <{}>: {}", core::log::printable(rcpt), v.reason);
    return Out(std::move(v));
  }
  return Out();
}

// make_quota_check - read the parameters and open the tables (through the daemon's cache).
core::Result<std::unique_ptr<Check>> make_quota_check(const CheckContext& ctx) {
  const core::config::Config& c = *ctx.config;
  if (c.get("mailbox_maps").empty()) return std::unique_ptr<Check>();
  QuotaSettings s;
  s.mailbox_base = c.get("mailbox_base");
  s.delimiters = c.get("recipient_delimiter");
  std::string status = c.get("policyd_quota_status");
  if (status.empty()) {
    auto bounce = c.get_bool("vdelivery_overquota_bounce");
    if (!bounce) return bounce.error();
    status = *bounce ? "552" : "452";
  }
  if (status != "452" && status != "552")
    return core::config_error("policyd_quota_status must be 452 or 552, not \"" + status + "\"");
  s.permanent = status == "552";
  auto q = c.get_size("default_quota");
  if (!q) return q.error();
  s.default_quota = *q;
  auto rl = c.get_int("policyd_alias_recursion_limit", 1, 100000);
  if (!rl) return rl.error();
  auto el = c.get_int("policyd_alias_expansion_limit", 1, 100000);
  if (!el) return el.error();
  s.limits = {static_cast<size_t>(*rl), static_cast<size_t>(*el)};
  auto inbox = c.get_bool("vdelivery_quota_inbox_only");
  if (!inbox) return inbox.error();
  auto trash = c.get_bool("vdelivery_trash_count");
  if (!trash) return trash.error();
  s.scan.inbox_only = *inbox;
  s.scan.trash_count = *trash;
  s.scan.trash_name = c.get("vdelivery_trash_name");

  QuotaTables t;
  if (auto st = open_optional(ctx, "mailbox_maps", t.mailboxes); !st) return st.error();
  if (auto st = open_optional(ctx, "policyd_alias_maps", t.aliases); !st) return st.error();
  if (auto st = open_optional(ctx, "quota_maps", t.quotas); !st) return st.error();
  if (auto st = open_optional(ctx, "policyd_quota2_maps", t.quota2); !st) return st.error();
  if (auto st = open_optional(ctx, "vdelivery_domain_quota_maps", t.domain_caps); !st) return st.error();
  if (!t.quota2 || t.domain_caps) {
    if (s.mailbox_base.empty() || s.mailbox_base[0] != '/')
      return core::config_error("mailbox_base must be an absolute directory for the quota check, not \"" +
                                s.mailbox_base + "\"");
  }
  s.domain_usage_directory =
      core::mailbox::domain_usage_directory(c.get("vdelivery_domain_usage_directory"), s.mailbox_base);
  return std::unique_ptr<Check>(std::make_unique<QuotaCheck>(std::move(t), std::move(s)));
}

}  // namespace policyd
