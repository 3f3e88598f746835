// settings.cc - the parameter table and its reader.
#include "saslcheck/settings.h"

#include <array>

#include "saslcheck/schemes.h"

namespace saslcheck {
namespace {

using core::config::ParamSpec;

constexpr std::array kParamTable = {
    // authdaemond-protocol listeners (Cyrus SASL pwcheck_method: authdaemond,
    // Courier's authtest). Courier's compiled-in path on Debian by default.
    // Owner, group and mode: saslcheck_socket_owner/_group/_mode.
    ParamSpec{"saslcheck_listen", "unix:/run/courier/authdaemon/socket"},
    // Dovecot auth-client listeners for smtpd_sasl_type = dovecot ("" = off).
    ParamSpec{"saslcheck_dovecot_listen", ""},
    // Stored password per login (Postfix Admin mailbox.password of active
    // mailboxes in active domains), optionally "\tKEY=VALUE" attributes.
    ParamSpec{"saslcheck_password_maps", ""},
    ParamSpec{"saslcheck_mailbox_maps", ""},    // maildir per login (optional)
    ParamSpec{"saslcheck_default_domain", ""},  // appended to logins without '@'
    // Scheme of stored values without {SCHEME} or $id$ prefix: CRYPT, PLAIN or PLAIN-MD5.
    ParamSpec{"saslcheck_default_scheme", "CRYPT"},
    ParamSpec{"saslcheck_dovecot_cram_md5", "no"},  // advertise CRAM-MD5 (cleartext passwords only)
    // Found password rows are reused this long (0 = query every login). A
    // changed password takes effect after at most this long.
    ParamSpec{"saslcheck_cache_ttl", "5s"},
    // authdaemond PASSWD and ENUMERATE: a mysql_table(5) file whose connection
    // parameters reach the Postfix Admin database (its query is ignored; the
    // user needs SELECT on mailbox and domain, and UPDATE on mailbox for
    // PASSWD). "" = ENUMERATE closes without a listing, PASSWD answers FAIL.
    ParamSpec{"saslcheck_account_database", ""},
    // Let authdaemond clients change passwords (PASSWD): off by default.
    ParamSpec{"saslcheck_passwd_enable", "no"},
    // Scheme of the new stored value, as for saslcheck -H (MD5-CRYPT writes
    // {MD5-CRYPT}$1$..., read by Dovecot, Postfix Admin and saslcheck).
    ParamSpec{"saslcheck_passwd_scheme", "MD5-CRYPT"},
    ParamSpec{"saslcheck_uid", "5000"},
    ParamSpec{"saslcheck_gid", "5000"},
    ParamSpec{"saslcheck_home", "/var/vmail"},
    ParamSpec{"saslcheck_failure_threshold", "3"},  // failures before replies slow down; 0 = off
    ParamSpec{"saslcheck_failure_delay", "1"},      // seconds, doubled per further failure
    ParamSpec{"saslcheck_max_failure_delay", "5"},  // seconds; keep below Postfix's 10 s
    ParamSpec{"table_client_timeout", "10s"},
};

}  // namespace

const std::span<const ParamSpec> kParams = kParamTable;

// load_settings - read and check every parameter.
core::Result<Settings> load_settings(const core::config::Config& c) {
  Settings s;
  s.listen = c.get_list("saslcheck_listen");
  s.dovecot_listen = c.get_list("saslcheck_dovecot_listen");
  s.password_maps = c.get("saslcheck_password_maps");
  if (s.password_maps.empty()) return core::config_error("saslcheck_password_maps is not set");
  s.mailbox_maps = c.get("saslcheck_mailbox_maps");
  s.verifier.default_domain = c.get("saslcheck_default_domain");
  s.verifier.default_scheme = c.get("saslcheck_default_scheme");
  if (!known_scheme(parse_stored("", s.verifier.default_scheme).scheme))
    return core::config_error("saslcheck_default_scheme: unknown scheme \"" + s.verifier.default_scheme +
                              "\"");
  auto cram = c.get_bool("saslcheck_dovecot_cram_md5");
  if (!cram) return cram.error();
  s.dovecot_cram_md5 = *cram;
  s.account_database = c.get("saslcheck_account_database");
  auto passwd = c.get_bool("saslcheck_passwd_enable");
  if (!passwd) return passwd.error();
  s.passwd.enabled = *passwd;
  s.passwd.scheme = c.get("saslcheck_passwd_scheme");
  if (auto h = make_hash(s.passwd.scheme, "probe"); !h)
    return core::config_error("saslcheck_passwd_scheme: " + h.error().text);
  if (s.passwd.enabled && s.account_database.empty())
    return core::config_error("saslcheck_passwd_enable = yes needs saslcheck_account_database");
  auto uid = c.get_int("saslcheck_uid", 0, 4294967294LL);
  if (!uid) return uid.error();
  auto gid = c.get_int("saslcheck_gid", 0, 4294967294LL);
  if (!gid) return gid.error();
  s.verifier.uid = std::to_string(*uid);
  s.verifier.gid = std::to_string(*gid);
  s.verifier.home = c.get("saslcheck_home");
  auto ttl = c.get_time("saslcheck_cache_ttl");
  if (!ttl) return ttl.error();
  s.verifier.cache_ttl = *ttl;
  auto th = c.get_int("saslcheck_failure_threshold", 0, 1000);
  if (!th) return th.error();
  auto delay = c.get_time("saslcheck_failure_delay");
  if (!delay) return delay.error();
  auto max = c.get_time("saslcheck_max_failure_delay");
  if (!max) return max.error();
  s.throttle.threshold = static_cast<unsigned>(*th);
  s.throttle.delay = *delay;
  s.throttle.max_delay = *max;
  return s;
}

}  // namespace saslcheck
