// deliver.cc - the delivery steps, in the order the Maildir++ rules need them.
#include "vdelivery/deliver.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <optional>

#include "core/log/log.h"
#include "core/mailbox/domain_usage.h"
#include "core/mailbox/recipient.h"
#include "vdelivery/header_scan.h"
#include "vdelivery/maildir.h"
#include "vdelivery/quota.h"
#include "vdelivery/warning.h"

namespace vdelivery {

using core::mailbox::Address;
using core::mailbox::domain_cap;
using core::mailbox::DomainUsage;
using core::mailbox::extension_folder;
using core::mailbox::find_mailbox;
using core::mailbox::maildir_path;
using core::mailbox::split_address;

namespace {

UniqueName unique_name() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return {tv.tv_sec, tv.tv_usec, getpid(), escape_host(host)};
}

bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// over_quota_outcome - the VDA patch's answer: 5.2.2 when configured to
// bounce or when the message alone is bigger than the limit, else 4.2.2.
Outcome over_quota_outcome(const Settings& s, const QuotaSpec& limit, int64_t size, std::string_view what) {
  std::string text = "maildir delivery failed: " + s.overquota_message;
  if (!what.empty()) text += " (" + std::string(what) + ")";
  if (s.overquota_bounce || (limit.bytes > 0 && size > limit.bytes))
    return bounced(kExCantCreat, "5.2.2", text);
  return deferred("4.2.2", text);
}

// check_domain - the domain storage cap; nullopt when the delivery fits.
std::optional<Outcome> check_domain(const Settings& s, Tables& t, const Address& a, int64_t size,
                                    const QuotaSpec& limit) {
  if (!t.domain_quota) return std::nullopt;
  auto cap = domain_cap(*t.domain_quota, a.domain);
  if (!cap) return from_error(cap.error());
  if (*cap <= 0) return std::nullopt;
  auto used = DomainUsage(s.domain_usage_directory, a.domain).read();
  if (!used) return from_error(used.error());
  if (used->bytes + size > *cap)
    return over_quota_outcome(s, limit, size, "domain " + a.domain + " storage limit reached");
  return std::nullopt;
}

// one_line - TEXT without CR or LF, so it cannot start a header of its own.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

// header_prefix - Return-Path unless present, and Delivered-To with its loop
// check when vdelivery does pipe's D flag itself.
std::optional<Outcome> header_prefix(const Settings& s, const Request& req, std::string_view message,
                                     std::string& prefix) {
  HeaderInfo header = scan_header(message);
  if (s.add_delivered_to)
    for (const auto& v : header.delivered_to)
      if (iequals(v, req.recipient))
        return bounced(kExDataErr, "5.4.6", "mail forwarding loop for " + req.recipient);
  if (!header.has_return_path) prefix = "Return-Path: <" + one_line(req.sender) + ">\n";
  if (s.add_delivered_to) prefix += "Delivered-To: " + one_line(req.recipient) + "\n";
  return std::nullopt;
}

}  // namespace

// deliver - lookup, write tmp, quota decision, commit, account.
Outcome deliver(const Settings& s, Tables& t, const Request& req, std::string_view message, Report& report) {
  Address addr = split_address(req.recipient, s.recipient_delimiter);
  auto found = find_mailbox(*t.mailbox, addr);
  if (!found) return from_error(found.error());
  if (!*found) return unknown_user(req.recipient);
  auto root = maildir_path(s.mailbox_base, **found);
  if (!root) return from_error(root.error());

  std::string prefix;
  if (auto err = header_prefix(s, req, message, prefix)) return *err;
  bool needs_lf = !message.empty() && message.back() != '\n';
  int64_t size = static_cast<int64_t>(prefix.size() + message.size() + (needs_lf ? 1 : 0));
  report.size = size;
  if (s.message_size_limit > 0 && size > s.message_size_limit)
    return bounced(kExDataErr, "5.2.3", "message too large for vdelivery_message_size_limit");

  if (auto err = ensure_maildir(*root, false)) return *err;
  std::string target = *root;
  std::string folder = extension_folder(addr.extension);
  if (!folder.empty() && (s.create_extension_folders || is_dir(*root + "/" + folder))) {
    target = *root + "/" + folder;
    if (auto err = ensure_maildir(target, true)) return *err;
  }

  TmpFile tmp;
  if (auto err = tmp.create(target, unique_name())) return *err;
  if (auto err = tmp.write_all(prefix, message, needs_lf ? "\n" : "")) return *err;

  auto limit = resolve_limit(t.quota.get(), addr.key(), addr.domain, s.default_quota);
  if (!limit) return from_error(limit.error());
  report.limit = limit->bytes;
  QuotaOptions qo{s.quota_inbox_only, s.trash_count, s.trash_name, s.lock_timeout};
  Usage before;
  if (!limit->unlimited()) {
    auto q = check_quota(*root, *limit, size, qo);
    if (!q) return from_error(q.error());
    before = q->usage;
    report.used = before.bytes;
    // A recount found what deletes did: tell the domain total before it is checked.
    if (t.domain_quota && (q->correction.bytes != 0 || q->correction.count != 0))
      if (auto st = DomainUsage(s.domain_usage_directory, addr.domain)
                        .add(q->correction.bytes, q->correction.count);
          !st)
        return from_error(st.error());
    if (q->over) return over_quota_outcome(s, *limit, size, "");
  }
  if (auto err = check_domain(s, t, addr, size, *limit)) return *err;

  // With vdelivery_quota_inbox_only a folder is not counted (as in a recount).
  bool counted = !(s.quota_inbox_only && target != *root);
  UsageLock usage_lock;
  if (counted && !limit->unlimited())
    if (auto st = usage_lock.take(*root, s.lock_timeout); !st) return from_error(st.error());
  if (auto err = tmp.commit(s.fsync, &report.path)) return *err;
  // The message is durable from here on: later problems are only logged.
  if (counted)
    if (auto st = append_usage(*root, size, 1); !st) core::log::warning("{}", st.error().text);
  if (report.used >= 0 && counted) report.used += size;
  if (t.domain_quota)
    if (auto st = DomainUsage(s.domain_usage_directory, addr.domain).add(size, 1); !st)
      core::log::warning("{}", st.error().text);
  if (s.quota_warning_percent > 0 && limit->bytes > 0)
    maybe_send_warning(s, *root, req.recipient, before.bytes, before.bytes + size, limit->bytes);
  return delivered(target == *root ? "delivered to maildir" : "delivered to maildir folder " + folder);
}

// log_delivery - Postfix's "to=<>, orig_to=<>, ... status=" shape, plus size and quota.
void log_delivery(const Request& req, const Outcome& o, const Report& r) {
  std::string orig;
  if (!req.original_recipient.empty() && !iequals(req.original_recipient, req.recipient))
    orig = ", orig_to=<" + core::log::printable(req.original_recipient) + ">";
  std::string quota;
  if (r.limit > 0 && r.used >= 0)
    quota = fmt::format(", quota={}/{}", r.used, r.limit);
  else if (r.used >= 0)
    quota = fmt::format(", quota={}/unlimited", r.used);
  core::log::info("to=<{}>{}, relay=vdelivery, size={}{}, dsn={}, status={} ({})",
                  core::log::printable(req.recipient), orig, r.size, quota, o.dsn, o.status_word(),
                  core::log::printable(o.text, 400));
}

}  // namespace vdelivery
