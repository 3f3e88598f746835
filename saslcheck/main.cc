// main.cc - saslcheck: Courier-authdaemond-compatible (and Dovecot auth
// protocol) password checker for Postfix SMTP AUTH on Postfix Admin tables.
//
//   saslcheck [-c DIR] [-o name=value] [-v] [-S]   daemon (core/server/server.h)
//   saslcheck [-c DIR] [-o ...] -t USER             check one login, password on stdin
//   saslcheck -H SCHEME                              hash the password on stdin
// Parameters: saslcheck/settings.cc.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/server/program.h"
#include "core/server/server.h"
#include "saslcheck/service.h"
#include "saslcheck/settings.h"

namespace {

// take_option - remove "-X VALUE" from ARGS; its value, or "" when absent.
std::string take_option(std::vector<char*>& args, const char* flag) {
  for (size_t i = 1; i + 1 < args.size(); ++i) {
    if (std::strcmp(args[i], flag) == 0) {
      std::string v = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return v;
    }
  }
  return {};
}

// command_mode - -t USER with the daemon's config; exit status as check_command.
int command_mode(std::vector<char*>& args, const std::string& user) {
  auto specs = core::server::common_params("saslcheck");
  specs.insert(specs.end(), saslcheck::kParams.begin(), saslcheck::kParams.end());
  auto opts = core::server::parse_options(static_cast<int>(args.size()), args.data(), "saslcheck");
  if (!opts) {
    std::cerr << opts.error().text << "\n";
    return 64;
  }
  auto cfg = core::server::load_config(*opts, specs);
  if (!cfg) {
    std::cerr << "saslcheck: " << cfg.error().text << "\n";
    return 64;
  }
  auto st = core::server::setup_logging("saslcheck", *opts, *cfg);
  (void)st;
  return saslcheck::check_command(*cfg, user, std::cin, std::cout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  std::string scheme = take_option(args, "-H");
  if (!scheme.empty()) return saslcheck::hash_command(scheme, std::cin, std::cout, std::cerr);
  std::string user = take_option(args, "-t");
  if (!user.empty()) return command_mode(args, user);
  return core::server::run_daemon(argc, argv,
                                  {
                                      .name = "saslcheck",
                                      .params = saslcheck::kParams,
                                      .param_prefixes = {},
                                      .init = saslcheck::init,
                                      .reload = saslcheck::reload,
                                      .on_usr1 = nullptr,
                                      // Hashing is CPU-bound: one worker per core (found rows are cached,
                                      // so few lookups block).
                                      .worker_threads = std::max(2u, std::thread::hardware_concurrency()),
                                  });
}
