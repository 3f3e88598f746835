// main.cc - policyd: Postfix SMTP access policy delegation server
// (check_policy_service) for relay decisions, sender-login checks and the
// checks registered in checks.cc.
//
//   policyd [-c DIR] [-o name=value] [-v] [-S]   (core/server/server.h)
// Parameters: policyd/settings.cc and each check's table (checks.cc).
#include <vector>

#include "core/log/log.h"
#include "core/server/server.h"
#include "policyd/checks.h"
#include "policyd/service.h"

int main(int argc, char** argv) {
  static const std::vector<core::config::ParamSpec> params = policyd::all_params();
  return core::server::run_daemon(argc, argv,
                                  {
                                      .name = "policyd",
                                      .params = params,
                                      .param_prefixes = {},
                                      .init = policyd::init,
                                      .reload = policyd::reload,
                                      .on_usr1 = [] { core::log::info("stats: {}", policyd::stats()); },
                                      // Workers only run cache misses (blocking SQL); the
                                      // MySQL pool bounds the real concurrency.
                                      .worker_threads = 8,
                                  });
}
