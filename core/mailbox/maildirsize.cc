// maildirsize.cc - Maildir++ maildirsize text.
#include "core/mailbox/maildirsize.h"

#include <fmt/format.h>

#include <charconv>

namespace core::mailbox {
namespace {

// parse_int - a whole signed decimal number; nullopt otherwise.
std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  const char* b = s.data();
  if (*b == '+') return std::nullopt;
  auto [p, ec] = std::from_chars(b, b + s.size(), v);
  if (ec != std::errc() || p != b + s.size()) return std::nullopt;
  return v;
}

bool blank(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

// parse_quota_spec - split on ',', each item <digits><S|C>.
std::optional<QuotaSpec> parse_quota_spec(std::string_view text) {
  QuotaSpec spec;
  while (!text.empty() && (blank(text.back()) || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return spec;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
    if (item.size() < 2) return std::nullopt;
    char kind = item.back();
    auto n = parse_int(item.substr(0, item.size() - 1));
    if (!n || *n < 0 || item[0] == '-') return std::nullopt;
    if (kind == 'S')
      spec.bytes = *n;
    else if (kind == 'C')
      spec.count = *n;
    else
      return std::nullopt;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return spec;
}

std::string format_quota_spec(const QuotaSpec& spec) {
  if (spec.bytes == 0 && spec.count > 0) return fmt::format("{}C", spec.count);
  std::string s = fmt::format("{}S", spec.bytes);
  if (spec.count > 0) s += fmt::format(",{}C", spec.count);
  return s;
}

std::string format_usage_line(int64_t bytes, int64_t count) {
  return fmt::format("{} {}\n", bytes, count);
}

std::string format_maildirsize(const QuotaSpec& spec, const Usage& usage) {
  return format_quota_spec(spec) + "\n" + format_usage_line(usage.bytes, usage.count);
}

// parse_maildirsize - line 1 is the spec, the rest are summed. A line that is
// not two integers (leading blanks allowed, Courier pads to width 12) forces
// a recount, as in Dovecot; so do NUL bytes and a file at the size limit.
MaildirSize parse_maildirsize(std::string_view text) {
  MaildirSize f;
  if (text.size() >= kMaildirsizeMax || text.find('\0') != std::string_view::npos) f.must_recount = true;
  size_t eol = text.find('\n');
  if (eol == std::string_view::npos) {
    // No complete quota line: nothing usable.
    f.must_recount = true;
    return f;
  }
  auto spec = parse_quota_spec(text.substr(0, eol));
  if (spec)
    f.quota = *spec;
  else
    f.must_recount = true;
  size_t pos = eol + 1;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) {
      // A partial last line (a writer still appending, or a cut read): ignore it.
      if (text.size() < kMaildirsizeMax) f.must_recount = true;
      break;
    }
    std::string_view line = text.substr(pos, e - pos);
    pos = e + 1;
    size_t i = 0;
    while (i < line.size() && blank(line[i])) ++i;
    size_t a = i;
    while (i < line.size() && !blank(line[i])) ++i;
    auto bytes = parse_int(line.substr(a, i - a));
    while (i < line.size() && blank(line[i])) ++i;
    size_t b = i;
    while (i < line.size() && !blank(line[i])) ++i;
    auto count = parse_int(line.substr(b, i - b));
    while (i < line.size() && blank(line[i])) ++i;
    if (!bytes || !count || i != line.size()) {
      f.must_recount = true;
      continue;
    }
    // A sum that overflows is as unusable as garbage: recount.
    if (__builtin_add_overflow(f.usage.bytes, *bytes, &f.usage.bytes) ||
        __builtin_add_overflow(f.usage.count, *count, &f.usage.count)) {
      f.must_recount = true;
      f.usage = {};
      break;
    }
    ++f.usage_lines;
  }
  if (f.usage.bytes < 0 || f.usage.count < 0) f.must_recount = true;
  return f;
}

bool over_quota(const QuotaSpec& spec, const Usage& usage, int64_t add_bytes, int64_t add_count) {
  // Written as a subtraction so that no sum can overflow (limits and adds are >= 0).
  if (spec.bytes > 0 && usage.bytes > spec.bytes - add_bytes) return true;
  if (spec.count > 0 && usage.count > spec.count - add_count) return true;
  return false;
}

bool trust_over_quota(const MaildirSize& file, int64_t age_seconds) {
  return !file.must_recount && file.usage_lines == 1 && age_seconds < kMaildirsizeStale;
}

}  // namespace core::mailbox
