// command_line.h - vdelivery's own options (-f SENDER, -a ORIGINAL) taken out
// of argv before the core parser (program.h) sees -c, -o, -v, -h.
// Errors are Config errors with the whole message. Thread-safe (no state).
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"
#include "vdelivery/deliver.h"

namespace vdelivery {

struct CommandLine {
  Request request;
  bool have_sender = false;
  std::vector<std::string> rest;  // argv[0] and the options for the core parser
};

// split_command_line - -f/-a (also "-fvalue") out; the recipient is left to the core parser.
core::Result<CommandLine> split_command_line(int argc, char** argv);

// usage_text - the usage line for -h and errors.
std::string usage_text();

}  // namespace vdelivery
