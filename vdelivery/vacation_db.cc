// vacation_db.cc - the vacation lookups and the notification compare-and-set.
#include "vdelivery/vacation_db.h"

#include <fmt/format.h>

#include "core/table/mysql_table.h"
#include "vdelivery/vacation_rules.h"

namespace vdelivery {
namespace {

// quoted - 'TEXT' escaped by the connection's escaper.
std::string quoted(const core::mysql::Escaper& esc, std::string_view text) {
  return "'" + esc(text) + "'";
}

core::Error bad_answer(const core::mysql::Client& c, std::string_view what) {
  return core::retry_error(fmt::format("{}: unexpected answer to the {} query", c.label(), what));
}

}  // namespace

// open - the connection settings of a mysql_table(5) file.
core::Result<std::unique_ptr<VacationDb>> VacationDb::open(const std::string& path) {
  std::string label = "mysql:" + path;
  auto cf = core::table::read_mysql_cf(path, label);
  if (!cf) return cf.error();
  auto settings = core::table::mysql_settings(*cf, label);
  if (!settings) return settings.error();
  settings->max_connections = 1;
  return std::unique_ptr<VacationDb>(new VacationDb(std::move(label), std::move(*settings)));
}

// active_row - vacation.pl's check_for_vacation, returning the reply text too.
core::Result<std::optional<VacationRow>> VacationDb::active_row(std::string_view address) {
  auto res = client_.query([&](const core::mysql::Escaper& esc) {
    return "SELECT email, subject, body, interval_time FROM vacation WHERE email = " + quoted(esc, address) +
           " AND active = '1' AND activefrom <= NOW() AND activeuntil >= NOW()";
  });
  if (!res) return res.error();
  if (res->rows.empty()) return std::optional<VacationRow>();
  const auto& r = res->rows.front();
  if (r.size() != 4 || !r[0]) return bad_answer(client_, "vacation");
  VacationRow row{*r[0], r[1].value_or(""), r[2].value_or(""), 0};
  try {
    row.interval = r[3] ? std::stoll(*r[3]) : 0;
  } catch (const std::exception&) {
    return bad_answer(client_, "vacation");
  }
  return std::optional<VacationRow>(std::move(row));
}

// claim - read the last notice, decide (notify_due), then record it only if
// nobody else did in between.
core::Result<bool> VacationDb::claim(const VacationRow& row, std::string_view sender) {
  auto last = client_.query([&](const core::mysql::Escaper& esc) {
    return "SELECT UNIX_TIMESTAMP(NOW()) - UNIX_TIMESTAMP(n.notified_at), n.notified_at < v.activefrom, "
           "n.notified_at FROM vacation_notification n JOIN vacation v ON v.email = n.on_vacation "
           "WHERE n.on_vacation = " +
           quoted(esc, row.email) + " AND n.notified = " + quoted(esc, sender);
  });
  if (!last) return last.error();
  std::optional<int64_t> since;
  bool before_activefrom = false;
  std::string old_at;
  if (!last->rows.empty()) {
    const auto& r = last->rows.front();
    if (r.size() != 3 || !r[0] || !r[1] || !r[2]) return bad_answer(client_, "vacation_notification");
    try {
      since = std::stoll(*r[0]);
    } catch (const std::exception&) {
      return bad_answer(client_, "vacation_notification");
    }
    before_activefrom = *r[1] == "1";
    old_at = *r[2];
  }
  if (!notify_due(row.interval, since, before_activefrom)) return false;
  auto set = client_.query([&](const core::mysql::Escaper& esc) {
    if (!since)
      return "INSERT IGNORE INTO vacation_notification (on_vacation, notified, notified_at) VALUES (" +
             quoted(esc, row.email) + ", " + quoted(esc, sender) + ", NOW())";
    return "UPDATE vacation_notification SET notified_at = NOW() WHERE on_vacation = " +
           quoted(esc, row.email) + " AND notified = " + quoted(esc, sender) +
           " AND notified_at = " + quoted(esc, old_at);
  });
  if (!set) return set.error();
  return set->affected_rows == 1;
}

}  // namespace vdelivery
