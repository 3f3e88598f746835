// test_program.cc - parse_options, load_config, warn_unknown.
#include <catch2/catch.hpp>
#include <fstream>

#include "core/server/program.h"
#include "tests/unit/server/test_support.h"

using core::server::parse_options;
using test_server::LogCapture;
using test_server::TempDir;

namespace {

core::Result<core::server::Options> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_options(static_cast<int>(args.size()), argv.data(), "prog");
}

}  // namespace

TEST_CASE("parse_options accepts -c -o -v -h in getopt forms", "[unit]") {
  struct Case {
    std::vector<std::string> args;
    std::string want_dir;
    std::vector<std::string> want_overrides;
    int want_verbose;
    bool want_help;
    std::vector<std::string> want_args;
  };
  std::vector<Case> cases = {
      {{}, "/etc/vmailkit", {}, 0, false, {}},
      {{"-c", "/tmp/x"}, "/tmp/x", {}, 0, false, {}},
      {{"-c/tmp/y", "-v", "-vv"}, "/tmp/y", {}, 3, false, {}},
      {{"-o", "a=1", "-ob = 2"}, "/etc/vmailkit", {"a=1", "b = 2"}, 0, false, {}},
      {{"-vh"}, "/etc/vmailkit", {}, 1, true, {}},
      {{"-v", "--", "-c", "rest"}, "/etc/vmailkit", {}, 1, false, {"-c", "rest"}},
      {{"operand", "-v"}, "/etc/vmailkit", {}, 0, false, {"operand", "-v"}},
  };
  for (const auto& c : cases) {
    auto got = parse(c.args);
    REQUIRE(got.ok());
    CHECK(got->config_dir == c.want_dir);
    CHECK(got->overrides == c.want_overrides);
    CHECK(got->verbose == c.want_verbose);
    CHECK(got->help == c.want_help);
    CHECK(got->args == c.want_args);
  }
}

TEST_CASE("parse_options rejects bad options with usage", "[unit]") {
  struct Case {
    std::vector<std::string> args;
    std::string want_error;
  };
  std::vector<Case> cases = {
      {{"-x"}, "prog: unknown option -x; usage: prog [-c config_dir]"},
      {{"-c"}, "prog: option -c needs a value"},
      {{"-o", "novalue"}, "prog: -o novalue: expected name=value"},
  };
  for (const auto& c : cases) {
    auto got = parse(c.args);
    REQUIRE_FALSE(got.ok());
    CHECK_THAT(got.error().text, Catch::StartsWith(c.want_error));
  }
}

TEST_CASE("load_config applies defaults and overrides; warn_unknown names file:line", "[unit]") {
  TempDir dir;
  std::ofstream(dir.path + "/vmailkit.cf") << "known = file\n\ntypo_name = 1\nprefix_x = ok\n";
  core::server::Options opts;
  opts.config_dir = dir.path;
  opts.overrides = {"other_typo=2"};
  static constexpr core::config::ParamSpec kSpecs[] = {{"known", "default"}, {"defaulted", "d"}};
  static constexpr std::string_view kPrefixes[] = {"prefix_"};
  auto cfg = core::server::load_config(opts, kSpecs);
  REQUIRE(cfg.ok());
  CHECK(cfg->get("known") == "file");
  CHECK(cfg->get("defaulted") == "d");
  LogCapture logs;
  CHECK(core::server::warn_unknown(*cfg, kSpecs, kPrefixes) == 2);
  CHECK(logs.count("warning: " + dir.path + "/vmailkit.cf:3: unknown parameter typo_name") == 1);
  CHECK(logs.count("warning: -o other_typo: unknown parameter other_typo") == 1);
  CHECK(logs.count("prefix_x") == 0);

  opts.config_dir = dir.path + "/missing";
  CHECK_FALSE(core::server::load_config(opts, kSpecs).ok());
}
