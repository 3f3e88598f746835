// warning.cc - quota warning mail to the mailbox owner.
#include "vdelivery/warning.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/time.h>
#include <unistd.h>

#include <ctime>

#include "core/log/log.h"
#include "vdelivery/maildir.h"
#include "vdelivery/quota.h"

namespace vdelivery {

bool crosses(int64_t before, int64_t after, int64_t limit, int percent) {
  if (limit <= 0 || percent <= 0) return false;
  return before * 100 < limit * percent && after * 100 >= limit * percent;
}

// maybe_send_warning - a short RFC 5322 message from MAILER-DAEMON.
void maybe_send_warning(const Settings& s, const std::string& root, std::string_view recipient,
                        int64_t before, int64_t after, int64_t limit) {
  if (!crosses(before, after, limit, s.quota_warning_percent)) return;
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  std::time_t now = std::time(nullptr);
  std::string text = fmt::format(
      "Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@{host}>\nTo: <{rcpt}>\n"
      "Subject: Mailbox quota warning: {pct}% used\nDate: {date:%a, %d %b %Y %H:%M:%S +0000}\n"
      "Auto-Submitted: auto-generated\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n"
      "Your mailbox {rcpt} now uses {used} of its {limit} bytes ({pct}% or more).\n"
      "Please delete some messages; when it is full, new mail will be refused.\n",
      fmt::arg("host", host), fmt::arg("rcpt", recipient), fmt::arg("pct", s.quota_warning_percent),
      fmt::arg("date", fmt::gmtime(now)), fmt::arg("used", after), fmt::arg("limit", limit));
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  TmpFile tmp;
  std::string path;
  // A different usec than the message itself: the names must differ.
  UniqueName name{tv.tv_sec, tv.tv_usec, getpid(), escape_host(host)};
  if (auto err = tmp.create(root, name)) return core::log::warning("quota warning: {}", err->text);
  if (auto err = tmp.write_all(text)) return core::log::warning("quota warning: {}", err->text);
  if (auto err = tmp.commit(s.fsync, &path)) return core::log::warning("quota warning: {}", err->text);
  if (auto st = append_usage(root, tmp.size(), 1); !st)
    core::log::warning("quota warning: {}", st.error().text);
  core::log::info("to=<{}>, quota warning sent: {} of {} bytes used", core::log::printable(recipient), after,
                  limit);
}

}  // namespace vdelivery
