// test_command_line.cc - -f and -a taken out, the rest left for the core parser.
#include <catch2/catch.hpp>

#include "vdelivery/command_line.h"

using namespace vdelivery;

namespace {
core::Result<CommandLine> parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return split_command_line(static_cast<int>(argv.size()), argv.data());
}
}  // namespace

TEST_CASE("command_line: pipe's argv", "[unit]") {
  auto c = parse({"vdelivery", "-c", "/etc/x", "-f", "s@x", "-a", "o@y", "-o", "a=b", "r@y"});
  REQUIRE(c);
  CHECK(c->have_sender);
  CHECK(c->request.sender == "s@x");
  CHECK(c->request.original_recipient == "o@y");
  CHECK(c->rest == std::vector<std::string>{"vdelivery", "-c", "/etc/x", "-o", "a=b", "r@y"});
  auto empty = parse({"vdelivery", "-f", "", "-a", "", "r@y"});
  REQUIRE(empty);
  CHECK(empty->have_sender);
  CHECK(empty->request.sender.empty());
  auto attached = parse({"vdelivery", "-fs@x", "--", "-r@y"});
  REQUIRE(attached);
  CHECK(attached->request.sender == "s@x");
  CHECK(attached->rest == std::vector<std::string>{"vdelivery", "--", "-r@y"});
  CHECK_FALSE(parse({"vdelivery", "-f"}));
  auto none = parse({"vdelivery", "r@y"});
  REQUIRE(none);
  CHECK_FALSE(none->have_sender);
}
