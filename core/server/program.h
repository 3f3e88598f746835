// program.h - the command-line, config and logging part every vmailkit
// program shares: daemons through run_daemon(), and commands without an
// event loop (vdelivery) directly.
//
// Usage for a command:
//   auto opts = core::server::parse_options(argc, argv, "vdelivery");
//   if (!opts) { print opts.error().text; exit 64 }
//   if (opts->help) { print usage; exit 0 }
//   auto cfg = core::server::load_config(*opts, specs);
//   if (!cfg) { ... }
//   core::server::setup_logging("vdelivery", *opts, *cfg);
//   core::server::warn_unknown(*cfg, specs, prefixes);  // after logging goes to the right place
//
// Ownership: Options and Config are plain values. Not thread-safe (call at
// startup, or from the loop thread on reload). Errors are Config errors
// whose text is the whole message (no "fatal: " prefix).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/config/config.h"

namespace core::server {

inline constexpr std::string_view kDefaultConfigDir = "/etc/vmailkit";

// Options - what the command line said.
struct Options {
  std::string config_dir{kDefaultConfigDir};  // -c DIR: reads DIR/vmailkit.cf
  std::vector<std::string> overrides;          // -o name=value, in order
  int verbose = 0;                             // one per -v
  bool help = false;                           // -h
  std::vector<std::string> args;               // operands after the options
};

// parse_options - parse -c DIR, -o name=value, -v, -h (getopt style, so
// "-vv" and "-cDIR" work). PROGRAM names the program in error texts.
Result<Options> parse_options(int argc, char** argv, std::string_view program);

// usage - one-line usage text for PROGRAM.
std::string usage(std::string_view program);

// load_config - DIR/vmailkit.cf + overrides, with SPECS as defaults.
Result<config::Config> load_config(const Options& options, std::span<const config::ParamSpec> specs);

// warn_unknown - one warning per parameter set in CONFIG that is not in
// SPECS and does not start with one of PREFIXES, naming file:line (or "-o").
// Returns how many were found.
size_t warn_unknown(const config::Config& config, std::span<const config::ParamSpec> specs,
                    std::span<const std::string_view> prefixes);

// setup_logging - log::init(PROGRAM), -v verbosity, and maillog_file from
// CONFIG ("" = syslog). Returns an error if the file cannot be opened.
Status setup_logging(std::string_view program, const Options& options, const config::Config& config);

}  // namespace core::server
