// program.cc - options, config loading and logging setup shared by every program.
#include "core/server/program.h"

#include <fmt/format.h>

#include "core/log/log.h"

namespace core::server {

std::string usage(std::string_view program) {
  return fmt::format("usage: {} [-c config_dir] [-o name=value]... [-v]... [-h]", program);
}

// parse_options - a small getopt(3) for "c:o:vh" that does not touch global state.
Result<Options> parse_options(int argc, char** argv, std::string_view program) {
  Options opts;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;
    for (size_t j = 1; j < arg.size(); ++j) {
      char c = arg[j];
      if (c == 'v') {
        ++opts.verbose;
        continue;
      }
      if (c == 'h') {
        opts.help = true;
        continue;
      }
      if (c != 'c' && c != 'o')
        return config_error(fmt::format("{}: unknown option -{}; {}", program, c, usage(program)));
      std::string value;
      if (j + 1 < arg.size()) {
        value = std::string(arg.substr(j + 1));
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return config_error(fmt::format("{}: option -{} needs a value; {}", program, c, usage(program)));
      }
      if (c == 'c') {
        if (value.empty()) return config_error(fmt::format("{}: -c needs a directory", program));
        opts.config_dir = value;
      } else {
        if (value.find('=') == std::string::npos)
          return config_error(fmt::format("{}: -o {}: expected name=value", program, value));
        opts.overrides.push_back(value);
      }
      break;
    }
  }
  for (; i < argc; ++i) opts.args.emplace_back(argv[i]);
  return opts;
}

// load_config - read the file and overrides, then apply defaults.
Result<config::Config> load_config(const Options& options, std::span<const config::ParamSpec> specs) {
  auto cfg = config::Config::load(options.config_dir, options.overrides);
  if (!cfg) return cfg;
  cfg->add_defaults(specs);
  return cfg;
}

// warn_unknown - name every parameter nobody reads, so typos are noticed.
size_t warn_unknown(const config::Config& config, std::span<const config::ParamSpec> specs,
                    std::span<const std::string_view> prefixes) {
  auto names = config.unknown_names(specs, prefixes);
  for (const auto& name : names) {
    std::string where = config.where(name);
    if (where.empty()) where = "-o " + name;
    log::warning("{}: unknown parameter {}; check the spelling or remove it", where, name);
  }
  return names.size();
}

// setup_logging - program tag, verbosity and log destination.
Status setup_logging(std::string_view program, const Options& options, const config::Config& config) {
  log::init(program);
  log::set_verbose(options.verbose);
  std::string why;
  if (!log::set_file(config.get("maillog_file"), &why))
    return config_error(fmt::format("maillog_file: {}", why));
  return ok_status();
}

}  // namespace core::server
