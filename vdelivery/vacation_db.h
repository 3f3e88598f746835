// vacation_db.h - Postfix Admin's vacation and vacation_notification tables.
//
// The connection comes from a mysql_table(5) file (hosts, user, password,
// dbname, TLS and timeout parameters, as for every mysql: table; its query
// is ignored), named by vdelivery_vacation_database. The statements are
// fixed, after vacation.pl's (postfixadmin-schema.md): the row is active
// when active = 1 and activefrom <= NOW() <= activeuntil, by the database's
// clock, and every value is escaped with mysql_real_escape_string on the
// connection used, as Postfix does.
//
// claim() records the notice before the reply is sent (as vacation.pl does):
// a reply that then fails is not retried for that sender within the
// interval. It is a compare-and-set (INSERT IGNORE for a first notice, an
// UPDATE conditional on the old notified_at for a later one), so two
// deliveries from one sender at the same moment send one reply.
//
// Errors are Retry errors naming the .cf file; the caller logs them and
// sends no reply. Not thread-safe (one per vdelivery process).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/mysql/client.h"

namespace vdelivery {

struct VacationRow {
  std::string email;     // vacation.email as stored (the notification key)
  std::string subject;   // UTF-8
  std::string body;      // UTF-8
  int64_t interval = 0;  // interval_time, seconds; 0 = reply once
};

class VacationDb {
 public:
  // open - read the .cf at PATH (a Config error when unusable); no connection yet.
  static core::Result<std::unique_ptr<VacationDb>> open(const std::string& path);

  // active_row - the user's vacation row when it is active now, else nullopt.
  core::Result<std::optional<VacationRow>> active_row(std::string_view address);

  // claim - true when a reply to SENDER (lowercased) is due, and it is now recorded.
  core::Result<bool> claim(const VacationRow& row, std::string_view sender);

 private:
  explicit VacationDb(std::string label, core::mysql::Settings settings)
      : client_(std::move(label), std::move(settings)) {}
  core::mysql::Client client_;
};

}  // namespace vdelivery
