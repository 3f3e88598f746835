// settings.cc - the parameter table and its reader.
#include "policyd/settings.h"

#include <array>

namespace policyd {
namespace {

using core::config::ParamSpec;

constexpr std::array kParamTable = {
    // Where smtpd connects (check_policy_service unix:private/vmailkit-policyd).
    // A list: unix:/path and inet:host:port, IPv6 as inet:[::1]:port.
    ParamSpec{"policyd_listen", "unix:/var/spool/postfix/private/vmailkit-policyd"},
    // Table answers are reused this long (0 = ask every time); a database
    // change takes effect after at most this long. Errors are never cached.
    ParamSpec{"policyd_cache_ttl", "10s"},
    // "Not found" answers: a domain or mailbox just added is unknown for at most this long.
    ParamSpec{"policyd_negative_ttl", "5s"},
    ParamSpec{"policyd_cache_size", "100000"},  // entries per table list (LRU)
    // Relay check (relay_check.h). Clients allowed to relay: IPv4/IPv6 CIDR
    // blocks or addresses, as Postfix's mynetworks ([::1]/128 brackets optional).
    ParamSpec{"policyd_mynetworks", "127.0.0.0/8, [::1]/128"},
    // Domains we receive mail for (keys are domain names, as
    // virtual_mailbox_domains): Postfix Admin's mailbox and alias domains.
    ParamSpec{"policyd_local_domains", ""},
    // Sender login check (sender_login_check.h): sender address -> logins,
    // smtpd_sender_login_maps meaning. Empty = check off.
    ParamSpec{"policyd_sender_login_maps", "mysql:/etc/postfix/sql/mysql_sender_login_maps.cf"},
    // Postfix's recipient_delimiter, for the user+ext@domain -> user@domain
    // step of sender login lookups ("" = none).
    ParamSpec{"recipient_delimiter", ""},
    ParamSpec{"table_client_timeout", "10s"},
};

}  // namespace

const std::span<const ParamSpec> kParams = kParamTable;

// load_settings - read and check the server's parameters.
core::Result<Settings> load_settings(const core::config::Config& c) {
  Settings s;
  s.listen = c.get_list("policyd_listen");
  if (s.listen.empty()) return core::config_error("policyd_listen is empty: nothing to listen on");
  auto ttl = c.get_time("policyd_cache_ttl");
  if (!ttl) return ttl.error();
  s.cache_ttl = *ttl;
  auto neg = c.get_time("policyd_negative_ttl");
  if (!neg) return neg.error();
  s.negative_ttl = *neg;
  auto size = c.get_int("policyd_cache_size", 0, 100000000);
  if (!size) return size.error();
  s.cache_size = static_cast<size_t>(*size);
  return s;
}

}  // namespace policyd
