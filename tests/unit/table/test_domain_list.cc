// test_domain_list.cc - the mysql_table(5) "domain" list: literals, files, tables, negation.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "core/table/domain_list.h"

using core::table::DomainList;

TEST_CASE("domain list: exact, case-insensitive, no parent domains", "[unit]") {
  auto l = DomainList::parse("Example.COM, other.test", "mysql:/t.cf", {});
  REQUIRE(l);
  CHECK(*(*l)->match("example.com"));
  CHECK(*(*l)->match("other.test"));
  CHECK(!*(*l)->match("sub.example.com"));
  CHECK(!*(*l)->match("com"));
}

TEST_CASE("domain list: /file items, type:table items and !negation", "[unit]") {
  char path[] = "/tmp/vmk-domains-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << "# hosted\nfile-a.test file-b.test\n\nfile-c.test # trailing comment\n";
  auto l = DomainList::parse(std::string("!no.test, ") + path + ", inline:{tab.test=1}, no.test",
                             "mysql:/t.cf", {});
  std::remove(path);
  REQUIRE(l);
  for (const char* d : {"file-a.test", "file-b.test", "file-c.test", "tab.test"}) {
    INFO(d);
    CHECK(*(*l)->match(d));
  }
  CHECK(!*(*l)->match("no.test"));  // first match is the negation
  CHECK(!*(*l)->match("hosted"));
}

TEST_CASE("domain list: bad items are config errors; table errors are Retry", "[unit]") {
  CHECK(!DomainList::parse("/nonexistent/vmk-list", "mysql:/t.cf", {}));
  CHECK(!DomainList::parse("nosuchtype:x", "mysql:/t.cf", {}));
  auto l = DomainList::parse("static:{x}", "mysql:/t.cf", {});
  REQUIRE(l);
  CHECK(*(*l)->match("anything"));
}
