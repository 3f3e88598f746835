// rate_counter.cc - window arithmetic, counter SQL and the MySQL counter store.
#include "policyd/rate_counter.h"

#include <fmt/format.h>

#include <charconv>

namespace policyd {

long long window_start(long long now, long long window) {
  if (window <= 0) return now;
  long long r = now % window;
  if (r < 0) r += window;  // before 1970: still the window that holds NOW
  return now - r;
}

// bump_sql - insert or count; a row from an older window restarts at this message.
// MySQL assigns ON DUPLICATE KEY UPDATE columns left to right, each seeing the
// columns already assigned (MariaDB's SIMULTANEOUS_ASSIGNMENT mode: none), so
// window_start is assigned last and both IF()s see the row's old window in
// either mode.
std::string bump_sql(const SqlEscape& escape, std::string_view login, long long window, long long recipients) {
  return fmt::format(
      "INSERT INTO vmailkit_rate_counter (login, window_start, messages, recipients) "
      "VALUES ('{0}', {1}, 1, {2}) ON DUPLICATE KEY UPDATE "
      "messages = IF(window_start = {1}, messages + 1, 1), "
      "recipients = IF(window_start = {1}, recipients + {2}, {2}), "
      "window_start = {1}",
      escape(login), window, recipients);
}

std::string read_sql(const SqlEscape& escape, std::string_view login) {
  return fmt::format("SELECT messages, recipients FROM vmailkit_rate_counter WHERE login = '{}'", escape(login));
}

// undo_sql - take one message back, only while the row still holds the same window.
std::string undo_sql(const SqlEscape& escape, std::string_view login, long long window, long long recipients) {
  return fmt::format(
      "UPDATE vmailkit_rate_counter SET messages = GREATEST(messages - 1, 0), "
      "recipients = GREATEST(recipients - {2}, 0) WHERE login = '{0}' AND window_start = {1}",
      escape(login), window, recipients);
}

namespace {

// to_count - a non-negative integer column, or -1.
long long to_count(const std::optional<std::string>& col) {
  if (!col) return -1;
  long long v = -1;
  auto [p, ec] = std::from_chars(col->data(), col->data() + col->size(), v);
  return ec == std::errc() && p == col->data() + col->size() ? v : -1;
}

}  // namespace

// add - bump, then read the row back (another host may have counted in between:
// then the figures include its message, which errs on the side of deferring).
core::Result<RateUsage> MysqlCounterStore::add(std::string_view login, long long window, long long recipients) {
  auto bumped = client_->query([&](const core::mysql::Escaper& e) { return bump_sql(e, login, window, recipients); });
  if (!bumped) return bumped.error();
  auto read = client_->query([&](const core::mysql::Escaper& e) { return read_sql(e, login); });
  if (!read) return read.error();
  if (read->rows.empty()) return RateUsage{1, recipients};  // deleted in between by an admin
  const auto& row = read->rows.front();
  RateUsage u{row.size() >= 2 ? to_count(row[0]) : -1, row.size() >= 2 ? to_count(row[1]) : -1};
  if (u.messages < 0 || u.recipients < 0)
    return core::retry_error(fmt::format("{}: unexpected answer from vmailkit_rate_counter for {}", client_->label(),
                                         login));
  return u;
}

core::Status MysqlCounterStore::undo(std::string_view login, long long window, long long recipients) {
  auto r = client_->query([&](const core::mysql::Escaper& e) { return undo_sql(e, login, window, recipients); });
  if (!r) return r.error();
  return core::ok_status();
}

}  // namespace policyd
