// service.h - policyd's daemon wiring: settings, the table cache, the
// checks (checks.h), the listeners.
//
// init() binds every policyd_listen address and builds the checks; reload()
// (SIGHUP) rebuilds tables and checks from the new config, listeners stay.
// A bad parameter is a Config error with the whole message (startup: fatal;
// reload: logged, the old checks keep serving). Loop thread only.
#pragma once

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/config/config.h"
#include "core/server/server.h"
#include "policyd/pipeline.h"

namespace policyd {

// open_checks - settings, a fresh table cache and every enabled check for CONFIG.
core::Result<std::shared_ptr<const CheckList>> open_checks(const core::config::Config& config);

core::Status init(core::server::Server& server, const core::config::Config& config);
core::Status reload(core::server::Server& server, const core::config::Config& config);
// stats - the counters line (SIGUSR1).
std::string stats();

}  // namespace policyd
