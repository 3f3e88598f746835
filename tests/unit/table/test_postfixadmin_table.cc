// test_postfixadmin_table.cc - postfixadmin:KIND: names and the per-key SQL
// (which maps are queried for which key shape), without a server.
#include <catch2/catch.hpp>
#include <string>

#include "core/table/postfixadmin_table.h"
#include "core/table/registry.h"

using namespace core::table;

namespace {

const EscapeFn kBrackets = [](std::string_view s) { return "[" + std::string(s) + "]"; };

// branches_of - the map positions present in the SQL for KIND/KEY ("" = no query).
std::string branches_of(const char* kind, const char* key) {
  auto sql = postfixadmin_sql(kind, key, kBrackets);
  REQUIRE(sql);
  if (!*sql) return "";
  std::string out;
  for (char n : {'1', '2', '3'}) {
    std::string tag = n == '1' ? "SELECT 1 AS vmk_map" : std::string("SELECT ") + n + ", ";
    if ((*sql)->find(tag) != std::string::npos) out.push_back(n);
  }
  return out;
}

}  // namespace

TEST_CASE("postfixadmin: maps queried per key shape, as Postfix would query them", "[unit]") {
  struct Case {
    const char* kind;
    const char* key;
    const char* want;  // map positions in the one query
  };
  const Case cases[] = {
      {"alias", "joe@example.com", "123"},
      {"alias", "@example.com", "13"},  // %u empty: the alias-domain map is skipped
      {"alias", "example.com", "1"},    // no @: only the plain alias map
      {"alias", "joe", "1"},
      {"alias", "joe@", "1"},  // nothing after @: %d maps skipped
      {"alias", "", ""},
      {"mailbox", "joe@example.com", "12"},
      {"mailbox", "@example.com", "1"},
      {"mailbox", "example.com", "1"},
      {"domains", "example.com", "1"},
      {"domains", "joe@example.com", "1"},
  };
  for (const auto& c : cases) {
    INFO(c.kind << " " << c.key);
    CHECK(branches_of(c.kind, c.key) == std::string(c.want));
  }
}

TEST_CASE("postfixadmin: key parts are escaped, template text is not", "[unit]") {
  auto sql = postfixadmin_sql("mailbox", "o'x@alias.test", kBrackets);
  REQUIRE(sql);
  REQUIRE(*sql);
  CHECK((*sql)->find("username='[o'x@alias.test]' AND active = '1'") != std::string::npos);
  CHECK((*sql)->find("alias_domain.alias_domain = '[alias.test]'") != std::string::npos);
  CHECK((*sql)->find("CONCAT('[o'x]', '@', alias_domain.target_domain)") != std::string::npos);
  CHECK((*sql)->find(" UNION ALL ") != std::string::npos);
}

TEST_CASE("postfixadmin: names and kinds", "[unit]") {
  REQUIRE(find_factory("postfixadmin") != nullptr);
  for (const char* bad : {"postfixadmin:/etc/x.cf", "postfixadmin:users:/etc/x.cf",
                          "postfixadmin:alias:relative.cf", "postfixadmin:alias:/nonexistent/vmk.cf"}) {
    INFO(bad);
    auto t = open_checked(bad, {});
    REQUIRE(!t);
    CHECK(t.error().kind == core::ErrorKind::Config);
  }
  CHECK(!postfixadmin_sql("users", "k", kBrackets));
}
