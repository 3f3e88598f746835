// service.h - saslcheck's daemon wiring: open the tables, bind the
// authdaemond and Dovecot listeners, count throttle entries; and the
// command-line checks (-t USER, -H SCHEME) that share the same settings.
//
// init/reload run on the loop thread (run_daemon). Errors are Config errors
// with the whole message.
#pragma once

#include <iosfwd>
#include <memory>

#include "core/base/result.h"
#include "core/config/config.h"
#include "core/server/server.h"
#include "saslcheck/settings.h"
#include "saslcheck/verifier.h"

namespace saslcheck {

// open_verifier - a Verifier on the tables SETTINGS name.
core::Result<std::shared_ptr<Verifier>> open_verifier(const core::config::Config& config,
                                                      const Settings& settings);

core::Status init(core::server::Server& server, const core::config::Config& config);
core::Status reload(core::server::Server& server, const core::config::Config& config);

// check_command - saslcheck -t USER: password from IN (one line); prints the
// outcome to OUT; exit status 0 ok, 1 failed, 75 temporary failure.
int check_command(const core::config::Config& config, const std::string& user, std::istream& in,
                  std::ostream& out);
// hash_command - saslcheck -H SCHEME: password from IN, stored value to OUT; 0 or 64.
int hash_command(const std::string& scheme, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace saslcheck
