// settings.cc - vdelivery's parameter table and its reader.
#include "vdelivery/settings.h"

#include <array>

#include "core/mailbox/domain_usage.h"

namespace vdelivery {
namespace {

constexpr std::array<core::config::ParamSpec, 25> kParamTable{{
    {"mailbox_base", ""},
    {"mailbox_maps", ""},
    {"quota_maps", ""},
    {"default_quota", "0"},
    {"recipient_delimiter", "+"},
    {"maillog_file", ""},
    {"vdelivery_create_extension_folders", "no"},
    {"vdelivery_add_delivered_to", "no"},
    {"vdelivery_message_size_limit", "0"},
    {"vdelivery_quota_inbox_only", "no"},
    {"vdelivery_trash_count", "no"},
    {"vdelivery_trash_name", ".Trash"},
    {"vdelivery_overquota_bounce", "no"},
    {"vdelivery_overquota_message", kDefaultOverquotaMessage},
    {"vdelivery_quota_warning_percent", "0"},
    {"vdelivery_domain_quota_maps", ""},
    {"vdelivery_domain_usage_directory", ""},
    {"vdelivery_fsync", "yes"},
    {"vdelivery_lock_timeout", "10s"},
    {"vdelivery_vacation", "no"},
    {"vdelivery_vacation_database", ""},
    {"vdelivery_vacation_require_to", "yes"},
    {"vdelivery_vacation_charset", "utf-8"},
    {"vdelivery_vacation_timeout", "30s"},
    {"vdelivery_sendmail_path", "/usr/sbin/sendmail"},
}};

// Other programs' parameters may share vmailkit.cf.
constexpr std::array<std::string_view, 4> kPrefixTable{"lookupd_", "policyd_", "saslcheck_", "mysql_"};

}  // namespace

const std::span<const core::config::ParamSpec> kParams{kParamTable};
const std::span<const std::string_view> kParamPrefixes{kPrefixTable};

// load_settings - the typed readers name the parameter in their errors.
core::Result<Settings> load_settings(const core::config::Config& c) {
  Settings s;
  s.mailbox_base = c.get("mailbox_base");
  if (s.mailbox_base.empty() || s.mailbox_base[0] != '/')
    return core::config_error("mailbox_base must be an absolute directory, not \"" + s.mailbox_base + "\"");
  s.mailbox_maps = c.get("mailbox_maps");
  if (s.mailbox_maps.empty()) return core::config_error("mailbox_maps is empty: set it to the mailbox table");
  s.quota_maps = c.get("quota_maps");
  s.recipient_delimiter = c.get("recipient_delimiter");
  s.trash_name = c.get("vdelivery_trash_name");
  s.overquota_message = c.get("vdelivery_overquota_message");
  s.domain_quota_maps = c.get("vdelivery_domain_quota_maps");
  s.domain_usage_directory = core::mailbox::domain_usage_directory(c.get("vdelivery_domain_usage_directory"), s.mailbox_base);
  auto q = c.get_size("default_quota");
  if (!q) return q.error();
  s.default_quota = *q;
  auto m = c.get_size("vdelivery_message_size_limit");
  if (!m) return m.error();
  s.message_size_limit = *m;
  auto w = c.get_int("vdelivery_quota_warning_percent", 0, 100);
  if (!w) return w.error();
  s.quota_warning_percent = static_cast<int>(*w);
  auto t = c.get_time("vdelivery_lock_timeout");
  if (!t) return t.error();
  s.lock_timeout = *t;
  if (auto st = load_vacation_settings(c, s); !st) return st.error();
  struct Flag {
    std::string_view name;
    bool* dest;
  };
  for (Flag f :
       {Flag{"vdelivery_create_extension_folders", &s.create_extension_folders},
        Flag{"vdelivery_add_delivered_to", &s.add_delivered_to},
        Flag{"vdelivery_quota_inbox_only", &s.quota_inbox_only},
        Flag{"vdelivery_trash_count", &s.trash_count},
        Flag{"vdelivery_overquota_bounce", &s.overquota_bounce}, Flag{"vdelivery_fsync", &s.fsync},
        Flag{"vdelivery_vacation", &s.vacation}, Flag{"vdelivery_vacation_require_to", &s.vacation_require_to}}) {
    auto b = c.get_bool(f.name);
    if (!b) return b.error();
    *f.dest = *b;
  }
  if (s.vacation && s.vacation_database.empty())
    return core::config_error(
        "vdelivery_vacation = yes needs vdelivery_vacation_database (a mysql_table(5) file for Postfix Admin's "
        "database)");
  return s;
}

}  // namespace vdelivery
