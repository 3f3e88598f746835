// settings.h - saslcheck's parameters (one ParamSpec table) and their values.
//
// load_settings() reads every saslcheck_* parameter from a loaded Config;
// errors are Config errors naming the parameter. Plain values, no sharing.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/config/config.h"
#include "saslcheck/accounts.h"
#include "saslcheck/throttle.h"
#include "saslcheck/verifier.h"

namespace saslcheck {

extern const std::span<const core::config::ParamSpec> kParams;

struct Settings {
  std::vector<std::string> listen;          // saslcheck_listen: authdaemond sockets
  std::vector<std::string> dovecot_listen;  // saslcheck_dovecot_listen: Dovecot auth sockets
  std::string password_maps;                // saslcheck_password_maps
  std::string mailbox_maps;                 // saslcheck_mailbox_maps
  bool dovecot_cram_md5 = false;            // saslcheck_dovecot_cram_md5: offer CRAM-MD5
  std::string account_database;             // saslcheck_account_database: PASSWD/ENUMERATE (.cf path)
  PasswdOptions passwd;                     // saslcheck_passwd_enable, saslcheck_passwd_scheme
  VerifierOptions verifier;
  Throttle::Options throttle;
};

core::Result<Settings> load_settings(const core::config::Config& config);

}  // namespace saslcheck
