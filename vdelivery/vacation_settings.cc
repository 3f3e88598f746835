// vacation_settings.cc - the vdelivery_vacation_* parameters that are not flags.
#include <fmt/format.h>

#include "vdelivery/settings.h"
#include "vdelivery/vacation_rules.h"

namespace vdelivery {

// load_vacation_settings - database file, charset, timeout, sendmail command.
core::Status load_vacation_settings(const core::config::Config& c, Settings& s) {
  s.vacation_database = c.get("vdelivery_vacation_database");
  s.sendmail_path = c.get("vdelivery_sendmail_path");
  if (s.sendmail_path.empty() || s.sendmail_path[0] != '/')
    return core::config_error(
        fmt::format("vdelivery_sendmail_path must start with an absolute path, not \"{}\"", s.sendmail_path));
  std::string cs = lowercase(c.get("vdelivery_vacation_charset"));
  if (cs == "utf-8" || cs == "utf8")
    s.vacation_iso2022jp = false;
  else if (cs == "iso-2022-jp")
    s.vacation_iso2022jp = true;
  else
    return core::config_error(
        fmt::format("vdelivery_vacation_charset must be utf-8 or iso-2022-jp, not \"{}\"", cs));
  auto t = c.get_time("vdelivery_vacation_timeout");
  if (!t) return t.error();
  if (t->count() < 1) return core::config_error("vdelivery_vacation_timeout must be at least 1s");
  s.vacation_timeout = *t;
  return core::ok_status();
}

}  // namespace vdelivery
