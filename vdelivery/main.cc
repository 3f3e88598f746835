// main.cc - vdelivery: quota-enforcing Maildir delivery agent for Postfix's
// pipe(8) transport. Reads one message on stdin for one recipient, prints
// one "<enhanced status> text" line on stderr and exits with a sysexits code
// (0 only once the message is durably in new/). Parameters: settings.h.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <vector>

#include "core/log/log.h"
#include "core/server/program.h"
#include "core/table/table.h"
#include "vdelivery/command_line.h"
#include "vdelivery/deliver.h"
#include "vdelivery/settings.h"
#include "vdelivery/vacation.h"

namespace {

using vdelivery::Outcome;

// finish - the stderr line and the exit code; every path out of main ends here.
int finish(const Outcome& o) {
  std::fprintf(stderr, "%s\n", o.line().c_str());
  return o.exit_code;
}

// read_stdin - the whole message; a read error defers.
bool read_stdin(std::string& out) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

// open_tables - a table that cannot be opened defers the mail (4.3.5).
core::Result<vdelivery::Tables> open_tables(const vdelivery::Settings& s,
                                            const core::config::Config& config) {
  core::table::OpenContext ctx{&config};
  vdelivery::Tables t;
  auto open = [&ctx](const std::string& spec, std::unique_ptr<core::table::Table>& dest) -> core::Status {
    if (spec.empty()) return core::ok_status();
    auto list = core::table::open_list(spec, ctx);
    if (!list) return list.error();
    dest = std::move(*list);
    dest->set_name(spec);
    return core::ok_status();
  };
  for (auto [spec, dest] : {std::pair{&s.mailbox_maps, &t.mailbox}, std::pair{&s.quota_maps, &t.quota},
                            std::pair{&s.domain_quota_maps, &t.domain_quota}})
    if (auto st = open(*spec, *dest); !st) return st.error();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  core::log::init("vdelivery");
  auto cl = vdelivery::split_command_line(argc, argv);
  if (!cl) return finish(vdelivery::bounced(vdelivery::kExUsage, "5.3.0", cl.error().text));
  std::vector<char*> rest;
  for (auto& a : cl->rest) rest.push_back(a.data());
  auto opts = core::server::parse_options(static_cast<int>(rest.size()), rest.data(), "vdelivery");
  if (!opts) return finish(vdelivery::bounced(vdelivery::kExUsage, "5.3.0", opts.error().text));
  if (opts->help) {
    std::cout << vdelivery::usage_text() << "\n";
    return 0;
  }
  if (!cl->have_sender || opts->args.size() != 1)
    return finish(vdelivery::bounced(vdelivery::kExUsage, "5.3.0", vdelivery::usage_text()));
  cl->request.recipient = opts->args[0];

  auto config = core::server::load_config(*opts, vdelivery::kParams);
  if (!config) return finish(vdelivery::from_error(core::config_error(config.error().text)));
  if (auto st = core::server::setup_logging("vdelivery", *opts, *config); !st)
    return finish(vdelivery::from_error(st.error()));
  core::server::warn_unknown(*config, vdelivery::kParams, vdelivery::kParamPrefixes);
  auto settings = vdelivery::load_settings(*config);
  if (!settings) {
    core::log::error("{}", settings.error().text);
    return finish(vdelivery::from_error(settings.error()));
  }
  auto tables = open_tables(*settings, *config);
  if (!tables) {
    core::log::error("{}", tables.error().text);
    return finish(vdelivery::from_error(tables.error()));
  }
  std::string message;
  vdelivery::Report report;
  Outcome outcome = read_stdin(message) ? vdelivery::deliver(*settings, *tables, cl->request, message, report)
                                        : vdelivery::from_errno(errno, "read message from stdin");
  vdelivery::log_delivery(cl->request, outcome, report);
  // Only after a delivery; it never changes the outcome (vacation.h).
  if (outcome.delivered()) vdelivery::maybe_send_vacation(*settings, cl->request, message);
  return finish(outcome);
}
