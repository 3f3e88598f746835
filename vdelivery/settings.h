// settings.h - vdelivery's parameters (one row each in kParams) read into a
// Settings value. mailbox_base, mailbox_maps, quota_maps, default_quota and
// recipient_delimiter are unprefixed: policyd reads the same facts.
//
// Parameter                              Default  Meaning
// mailbox_base                           ""       absolute directory the mailbox_maps results are relative to
// mailbox_maps                           ""       address -> maildir path relative to mailbox_base (e.g.
// "dom/joe/") quota_maps                             ""       address, then @domain -> limit in bytes (or
// "NS[,MC]"); 0 = unlimited,
//                                                 negative or not found = default_quota
// default_quota                          0        bytes; 0 = unlimited
// recipient_delimiter                    +        user+ext@domain is looked up as user@domain
// vdelivery_create_extension_folders     no       create .ext when it does not exist (else INBOX)
// vdelivery_add_delivered_to             no       add Delivered-To and bounce loops (5.4.6) ourselves (no
// pipe D flag) vdelivery_message_size_limit           0        bigger messages bounce 5.2.3; 0 = no limit
// vdelivery_quota_inbox_only             no       count INBOX only (root new/ cur/) when recalculating
// vdelivery_trash_count                  no       count vdelivery_trash_name when recalculating
// vdelivery_trash_name                   .Trash
// vdelivery_overquota_bounce             no       over quota: yes bounces 5.2.2, no defers 4.2.2 (exit 75)
// vdelivery_overquota_message            (VDA's sentence)
// vdelivery_quota_warning_percent        0        1-100: one warning mail to the owner when usage first
// crosses it vdelivery_domain_quota_maps            ""       @domain -> domain storage cap in bytes
// (0/negative/not found: none) vdelivery_domain_usage_directory       ""       where per-domain usage files
// live ("" = $mailbox_base/.vdelivery-domains) vdelivery_fsync                        yes      no only for
// benchmarks on throwaway disks vdelivery_lock_timeout                 10s      maildirsize recalculation
// lock wait, then defer
// vdelivery_vacation                     no       yes: Postfix Admin vacation replies (vacation.h)
// vdelivery_vacation_database            ""       mysql_table(5) file: connection to that database
// vdelivery_vacation_require_to          yes      reply only when a user's address is in To/Cc
// vdelivery_vacation_charset             utf-8    or iso-2022-jp (RFC 1468; falls back to UTF-8)
// vdelivery_vacation_timeout             30s      sendmail is killed after this long
// vdelivery_sendmail_path                /usr/sbin/sendmail (path [fixed arguments], no shell)
//
// Errors are Config errors naming the parameter. Thread-safe after loading.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/config/config.h"

namespace vdelivery {

extern const std::span<const core::config::ParamSpec> kParams;
extern const std::span<const std::string_view> kParamPrefixes;

inline constexpr std::string_view kDefaultOverquotaMessage =
    "Sorry, the user's maildir has overdrawn his diskspace quota, please try again later.";

struct Settings {
  std::string mailbox_base;
  std::string mailbox_maps;
  std::string quota_maps;
  long long default_quota = 0;
  std::string recipient_delimiter = "+";
  bool create_extension_folders = false;
  bool add_delivered_to = false;
  long long message_size_limit = 0;
  bool quota_inbox_only = false;
  bool trash_count = false;
  std::string trash_name = ".Trash";
  bool overquota_bounce = false;
  std::string overquota_message{kDefaultOverquotaMessage};
  int quota_warning_percent = 0;
  std::string domain_quota_maps;
  std::string domain_usage_directory;
  bool fsync = true;
  std::chrono::seconds lock_timeout{10};
  // Vacation replies (vacation.h).
  bool vacation = false;
  std::string vacation_database;  // mysql_table(5) file: connection to Postfix Admin's database
  bool vacation_require_to = true;
  bool vacation_iso2022jp = false;  // vdelivery_vacation_charset = iso-2022-jp
  std::chrono::seconds vacation_timeout{30};
  std::string sendmail_path = "/usr/sbin/sendmail";
};

// load_vacation_settings - the vdelivery_vacation_* strings (vacation_settings.cc).
core::Status load_vacation_settings(const core::config::Config& config, Settings& settings);

// load_settings - read and check every parameter.
core::Result<Settings> load_settings(const core::config::Config& config);

}  // namespace vdelivery
