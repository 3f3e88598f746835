// command_line.cc - -f and -a for vdelivery.
#include "vdelivery/command_line.h"

#include <string_view>

namespace vdelivery {

std::string usage_text() {
  return "usage: vdelivery [-c config_dir] [-o name=value]... [-v]... -f sender [-a original_recipient] "
         "recipient";
}

// split_command_line - options stop at "--" or the first operand, as getopt.
core::Result<CommandLine> split_command_line(int argc, char** argv) {
  CommandLine cl;
  cl.rest.emplace_back(argc > 0 ? argv[0] : "vdelivery");
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--" || arg.size() < 2 || arg[0] != '-') break;
    char c = arg[1];
    if (c != 'f' && c != 'a') {
      cl.rest.emplace_back(arg);
      // -c and -o take a value in the next word when not attached.
      if ((c == 'c' || c == 'o') && arg.size() == 2 && i + 1 < argc) cl.rest.emplace_back(argv[++i]);
      continue;
    }
    std::string value;
    if (arg.size() > 2)
      value = std::string(arg.substr(2));
    else if (i + 1 < argc)
      value = argv[++i];
    else
      return core::config_error(std::string("vdelivery: option -") + c + " needs a value; " + usage_text());
    if (c == 'f') {
      cl.request.sender = value;
      cl.have_sender = true;
    } else {
      cl.request.original_recipient = value;
    }
  }
  for (; i < argc; ++i) cl.rest.emplace_back(argv[i]);
  return cl;
}

}  // namespace vdelivery
