// test_connection.cc - escaping semantics of MariaDB Connector/C (no server).
#include <catch2/catch.hpp>
#include <string>

#include "core/mysql/connection.h"

using core::mysql::escape_string;

TEST_CASE("mysql escaping: NUL, newline, CR, backslash, quotes, Ctrl-Z get a backslash", "[unit]") {
  struct Case {
    std::string in, want;
  };
  const Case cases[] = {
      {"plain@example.com", "plain@example.com"},
      {"o'brien@example.com", "o\\'brien@example.com"},
      {"a\"b", "a\\\"b"},
      {"back\\slash", "back\\\\slash"},
      {std::string("nul\0x", 5), "nul\\0x"},
      {"line\nbreak\r", "line\\nbreak\\r"},
      {"ctrl\x1az", "ctrl\\Zz"},
      {"%_ are not special", "%_ are not special"},
      {"x' OR '1'='1", "x\\' OR \\'1\\'=\\'1"},
      {"utf8 \xc3\xa9l\xc3\xa8ve", "utf8 \xc3\xa9l\xc3\xa8ve"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(escape_string(c.in) == c.want);
  }
}
