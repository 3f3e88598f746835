// test_texthash_table.cc - texthash: postmap source files.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/log/log.h"
#include "core/table/table.h"

using namespace core::table;

namespace {

// TempFile - a file with TEXT, removed at scope exit.
struct TempFile {
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/vmk-texthash-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = tmpl;
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
  std::string path;
};

// LogCapture - collects log lines for the test's lifetime.
struct LogCapture {
  LogCapture() {
    core::log::set_sink([this](core::log::Level, std::string_view t) { lines.emplace_back(t); });
  }
  ~LogCapture() { core::log::set_sink(nullptr); }
  std::vector<std::string> lines;
};

}  // namespace

TEST_CASE("texthash: postmap source format", "[unit]") {
  LogCapture logs;
  TempFile f(
      "# comment\n"
      "alice@Example.COM   alice@example.org\n"
      "\n"
      "multi a,\n"
      "   b,\n"
      "  # comment inside a logical line\n"
      "\tc\n"
      "@example.net\t  catchall@example.org  \r\n"
      "nokey\n"
      "alice@example.com second value\n"
      "last no newline");
  auto t = open_checked("texthash:" + f.path, {});
  REQUIRE(t);
  CHECK((*t)->lookup("alice@example.com")->value() == "alice@example.org");
  CHECK((*t)->lookup("ALICE@EXAMPLE.COM")->value() == "alice@example.org");
  CHECK((*t)->lookup("multi")->value() == "a,   b,\tc");
  CHECK((*t)->lookup("@example.net")->value() == "catchall@example.org");
  CHECK((*t)->lookup("last")->value() == "no newline");
  CHECK(!(*t)->lookup("nokey")->has_value());
  CHECK(!(*t)->lookup("#")->has_value());
  REQUIRE(logs.lines.size() == 2);
  CHECK(logs.lines[0].find("line 9: expected format: key whitespace value") != std::string::npos);
  CHECK(logs.lines[1].find("line 10: duplicate entry") != std::string::npos);
}

TEST_CASE("texthash: leading continuation and missing file", "[unit]") {
  LogCapture logs;
  TempFile f("  orphan continuation\nk v\n");
  auto t = open_checked("texthash:" + f.path, {});
  REQUIRE(t);
  CHECK((*t)->lookup("k")->value() == "v");
  CHECK(!(*t)->lookup("orphan")->has_value());
  CHECK(logs.lines.size() == 1);

  auto missing = open_checked("texthash:/nonexistent/vmk-map", {});
  REQUIRE(!missing);
  CHECK(missing.error().kind == core::ErrorKind::Config);
  auto r = open("texthash:/nonexistent/vmk-map", {})->lookup("k");
  REQUIRE(!r);
  CHECK(r.error().kind == core::ErrorKind::Config);
}
