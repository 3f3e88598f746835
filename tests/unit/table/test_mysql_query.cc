// test_mysql_query.cc - mysql_table(5) % expansion, suppression, escaping and
// result_format, checked against the rules of Postfix 3.7 db_common.c.
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "core/table/mysql_query.h"

using core::table::MysqlTemplates;

namespace {

// A fake escaper that makes every expanded (escaped) part visible.
const core::table::EscapeFn kBrackets = [](std::string_view s) { return "[" + std::string(s) + "]"; };

MysqlTemplates parse(const std::string& q, const std::string& rf = "%s") {
  auto t = MysqlTemplates::parse(q, rf, "mysql:/t.cf");
  REQUIRE(t);
  return *t;
}

}  // namespace

TEST_CASE("query expansion: every token and suppression rule", "[unit]") {
  struct Case {
    const char* query;
    const char* key;
    std::optional<std::string> want;  // nullopt = suppressed: no query, not found
  };
  const Case cases[] = {
      {"a='%s'", "joe@example.com", "a='[joe@example.com]'"},
      {"100%% of '%s'", "k", "100% of '[k]'"},
      {"%u", "joe@example.com", "[joe]"},
      {"%u", "joe", "[joe]"},                // no @: whole key
      {"%u", "@example.com", std::nullopt},  // empty local part
      {"%u", "a@b@c.example", "[a@b]"},      // last @ splits
      {"%d", "joe@example.com", "[example.com]"},
      {"%d", "example.com", std::nullopt},      // no @
      {"%d", "joe@", std::nullopt},             // nothing after @
      {"%d", "@example.com", "[example.com]"},  // catch-all key is fine for %d
      {"%u@%d", "@example.com", std::nullopt},
      {"%S|%U|%D", "joe@example.com", "[joe@example.com]|[joe]|[example.com]"},
      {"%U", "@example.com", std::nullopt},
      {"%D", "example.com", std::nullopt},
      {"%1", "joe@mail.example.com", "[com]"},
      {"%2", "joe@mail.example.com", "[example]"},
      {"%3", "joe@mail.example.com", "[mail]"},
      {"%2.%1", "user@com", std::nullopt},  // too few labels
      {"%2.%1", "user@example.com", "[example].[com]"},
      {"%1", "example.com", std::nullopt},  // no @
      {"%3", "u@a..b", std::nullopt},       // empty labels do not count
      {"%s", "", std::nullopt},             // empty key
      {"no expansion", "k", "no expansion"},
  };
  for (const auto& c : cases) {
    INFO(c.query << " <- " << c.key);
    CHECK(parse(c.query).expand_query(c.key, kBrackets) == c.want);
  }
}

TEST_CASE("query expansion: only expanded parts are escaped", "[unit]") {
  auto t = parse("SELECT goto FROM alias WHERE address='%s' AND x LIKE 'a%%'");
  const core::table::EscapeFn sql = [](std::string_view s) {
    std::string o;
    for (char c : s) {
      if (c == '\'' || c == '\\') o.push_back('\\');
      o.push_back(c);
    }
    return o;
  };
  CHECK(t.expand_query("o'neil\\@example.com", sql) ==
        "SELECT goto FROM alias WHERE address='o\\'neil\\\\@example.com' AND x LIKE 'a%'");
  CHECK(t.expand_query("x' OR '1'='1", sql) ==
        "SELECT goto FROM alias WHERE address='x\\' OR \\'1\\'=\\'1' AND x LIKE 'a%'");
}

TEST_CASE("templates: unknown %x is a config error for query and result_format", "[unit]") {
  for (const char* bad : {"a=%x", "a=%", "%0", "%s %q"}) {
    INFO(bad);
    auto t = MysqlTemplates::parse(bad, "%s", "mysql:/t.cf");
    REQUIRE(!t);
    CHECK(t.error().kind == core::ErrorKind::Config);
    CHECK(t.error().text.find("invalid query template") != std::string::npos);
  }
  auto r = MysqlTemplates::parse("%s", "x%y", "mysql:/t.cf");
  REQUIRE(!r);
  CHECK(r.error().text.find("invalid result template") != std::string::npos);
}

TEST_CASE("result_format: value and key parts, skipping and joining", "[unit]") {
  struct Case {
    const char* format;
    std::vector<const char*> values;
    const char* key;
    std::string want;
  };
  const Case cases[] = {
      {"%s", {"a@x", "b@y"}, "k@d", "a@x,b@y"},
      {"%u", {"a@x", "plain", "@y"}, "k@d", "a,plain"},  // "@y" has an empty local part
      {"%d", {"a@x", "plain", "b@"}, "k@d", "x"},        // no @ or nothing after it: skipped
      {"smtp:[%s]", {"relay.example"}, "k@d", "smtp:[relay.example]"},
      {"%s via %S", {"v"}, "k@d.example", "v via k@d.example"},
      {"%U/%D/%1/%2", {"v"}, "k@d.example", "k/d.example/example/d"},
      {"100%%", {"v", "w"}, "k@d", "100%,100%"},
  };
  for (const auto& c : cases) {
    INFO(c.format);
    auto t = parse("%s", c.format);
    std::string out;
    for (const char* v : c.values) t.append_result(v, c.key, &out);
    CHECK(out == c.want);
  }
  auto t = parse("%s");
  std::string out;
  CHECK(t.append_result("", "k", &out) == MysqlTemplates::Append::Empty);
  CHECK(out.empty());
}

TEST_CASE("result_format flags also suppress the query (shared flags)", "[unit]") {
  // Postfix parses both templates into one context: %D in result_format makes
  // a domain-less key skip the query; %2 requires two labels.
  CHECK(!parse("%s", "%D").expand_query("bare", kBrackets));
  CHECK(parse("%s", "%D").expand_query("a@b", kBrackets) == "[a@b]");
  CHECK(!parse("%s", "%2").expand_query("a@com", kBrackets));
  CHECK(!parse("%s", "%U").expand_query("@d.example", kBrackets));
}
