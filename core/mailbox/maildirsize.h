// maildirsize.h - the Maildir++ "maildirsize" file as text: parsing,
// formatting and the decision whether it must be recalculated
// (maildir-quota.md sections 3-5, after Courier's maildirquota.C and
// Dovecot's quota-maildir.c). No I/O here; quota.cc reads and writes files.
//
// Line 1 is the quota definition "NS[,MC]"; every further line is a usage
// delta "<bytes> <count>" and usage is their sum. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace core::mailbox {

// Limits: 0 = no limit of that kind.
struct QuotaSpec {
  int64_t bytes = 0;
  int64_t count = 0;
  bool unlimited() const { return bytes == 0 && count == 0; }
  bool operator==(const QuotaSpec&) const = default;
};

struct Usage {
  int64_t bytes = 0;
  int64_t count = 0;
  bool operator==(const Usage&) const = default;
};

// The Maildir++ size rule: a file this large (or larger) is recalculated.
inline constexpr size_t kMaildirsizeMax = 5120;
// An over-quota answer from a file older than this is recalculated (seconds).
inline constexpr int64_t kMaildirsizeStale = 15 * 60;

struct MaildirSize {
  QuotaSpec quota;
  Usage usage;
  size_t usage_lines = 0;
  bool must_recount = false;  // too big, unparsable, NUL bytes or negative totals
};

// parse_quota_spec - "NS[,MC]" (Dovecot's strict form: each item digits then
// S or C); nullopt when malformed. "" is no limit (Courier writes that).
std::optional<QuotaSpec> parse_quota_spec(std::string_view text);
// format_quota_spec - Dovecot's form: "<n>S", ",<n>C" only with a count limit.
std::string format_quota_spec(const QuotaSpec& spec);
// format_usage_line - "<bytes> <count>\n", unpadded as Dovecot writes it.
std::string format_usage_line(int64_t bytes, int64_t count);
// format_maildirsize - a recalculated file: quota line and one usage line.
std::string format_maildirsize(const QuotaSpec& spec, const Usage& usage);
// parse_maildirsize - TEXT as read (callers read at most kMaildirsizeMax bytes).
MaildirSize parse_maildirsize(std::string_view text);

// over_quota - would ADD (bytes, count) push USAGE over SPEC? (strictly greater)
bool over_quota(const QuotaSpec& spec, const Usage& usage, int64_t add_bytes, int64_t add_count);

// trust_over_quota - Maildir++ rule 4.5: an over-quota answer from the file is
// believed only with exactly one usage line and an mtime under 15 min old.
bool trust_over_quota(const MaildirSize& file, int64_t age_seconds);

}  // namespace core::mailbox
