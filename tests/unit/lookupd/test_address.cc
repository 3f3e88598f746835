// test_address.cc - Postfix's address key sequence, extension propagation.
#include <catch2/catch.hpp>

#include "fake_table.h"
#include "lookupd/address.h"

using namespace lookupd;
using lookupd::test::RecordingTable;

namespace {
std::vector<std::string> keys(std::string_view key, const AddressPolicy& p) {
  std::vector<std::string> out;
  for (const auto& f : key_forms(key, p)) out.push_back(f.key + (f.extension.empty() ? "" : " ext=" + f.extension));
  return out;
}
}  // namespace

TEST_CASE("address: key forms in MA_FIND_DEFAULT order", "[unit]") {
  AddressPolicy plus{"+", true, "double-bounce"};
  AddressPolicy multi{"+-", true, "double-bounce"};
  AddressPolicy dash_no_special{"-", false, "double-bounce"};
  AddressPolicy none{"", true, "double-bounce"};
  struct Case {
    const char* key;
    const AddressPolicy* policy;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"User+Ext@Example.COM", &plus, {"user+ext@example.com", "user@example.com ext=+Ext", "@example.com"}},
      {"user+a+b@ex.com", &plus, {"user+a+b@ex.com", "user@ex.com ext=+a+b", "@ex.com"}},
      {"user@ex.com", &plus, {"user@ex.com", "@ex.com"}},
      {"user+ext@ex.com", &none, {"user+ext@ex.com", "@ex.com"}},
      {"+ext@ex.com", &plus, {"+ext@ex.com", "@ex.com"}},  // delimiter first: no split
      {"a-b+c@ex.com", &multi, {"a-b+c@ex.com", "a@ex.com ext=-b+c", "@ex.com"}},  // first char of the set
      {"Postmaster+x@ex.com", &plus, {"postmaster+x@ex.com", "postmaster@ex.com ext=+x", "@ex.com"}},
      {"postmaster@ex.com", &plus, {"postmaster@ex.com", "@ex.com"}},
      {"MAILER-DAEMON@ex.com", &multi, {"mailer-daemon@ex.com", "@ex.com"}},
      {"double-bounce@ex.com", &multi, {"double-bounce@ex.com", "@ex.com"}},
      {"owner-list@ex.com", &multi, {"owner-list@ex.com", "@ex.com"}},
      {"list-request@ex.com", &multi, {"list-request@ex.com", "@ex.com"}},
      {"list-request@ex.com", &dash_no_special, {"list-request@ex.com", "list@ex.com ext=-request", "@ex.com"}},
      {"owner-list+x@ex.com", &plus, {"owner-list+x@ex.com", "owner-list@ex.com ext=+x", "@ex.com"}},
      {"Example.COM", &plus, {"example.com"}},  // bare domain (domain lists)
      {"@Example.com", &plus, {"@example.com"}},
      {"a@b@ex.com", &plus, {"a@b@ex.com", "@ex.com"}},  // last '@' separates the domain
      {"user+x@", &plus, {"user+x@", "user@ ext=+x"}},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    CHECK(keys(c.key, *c.policy) == c.want);
  }
}

TEST_CASE("address: each key form is tried on every table before the next form", "[unit]") {
  std::vector<std::string> log;
  std::vector<std::unique_ptr<core::table::Table>> tables;
  tables.push_back(std::make_unique<RecordingTable>(std::map<std::string, std::string>{}, std::set<std::string>{}, &log, "t1:"));
  tables.push_back(std::make_unique<RecordingTable>(std::map<std::string, std::string>{{"@ex.com", "catchall@ex.com"}},
                                                    std::set<std::string>{}, &log, "t2:"));
  core::table::TableList list(std::move(tables));
  AddressPolicy plus{"+", true, "double-bounce"};
  auto r = search_address(list, "u+e@ex.com", plus, true);
  REQUIRE(r);
  CHECK(r->value() == "catchall@ex.com");  // @domain hit: no propagation
  CHECK(log == std::vector<std::string>{"t1:u+e@ex.com", "t2:u+e@ex.com", "t1:u@ex.com", "t2:u@ex.com",
                                        "t1:@ex.com", "t2:@ex.com"});
}

TEST_CASE("address: the first error stops the whole search", "[unit]") {
  struct Case {
    const char* name;
    std::set<std::string> fail;
    std::vector<std::string> want_log;
  };
  const Case cases[] = {
      {"error on full key", {"u+e@ex.com"}, {"t1:u+e@ex.com"}},
      {"error on stripped key", {"u@ex.com"}, {"t1:u+e@ex.com", "t2:u+e@ex.com", "t1:u@ex.com"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    std::vector<std::string> log;
    std::vector<std::unique_ptr<core::table::Table>> tables;
    tables.push_back(std::make_unique<RecordingTable>(std::map<std::string, std::string>{}, c.fail, &log, "t1:"));
    tables.push_back(std::make_unique<RecordingTable>(std::map<std::string, std::string>{{"@ex.com", "x@y"}},
                                                      std::set<std::string>{}, &log, "t2:"));
    core::table::TableList list(std::move(tables));
    auto r = search_address(list, "u+e@ex.com", AddressPolicy{"+", true, "double-bounce"}, false);
    REQUIRE(!r);
    CHECK(r.error().retry());
    CHECK(log == c.want_log);
  }
}

TEST_CASE("address: unmatched extension is propagated only for step-2 hits", "[unit]") {
  RecordingTable t({{"alias@ex.com", "a@x.org, \"b,c\"@y.org,local"}, {"full+e@ex.com", "f@x.org"},
                    {"@ex.com", "@other.org"}});
  AddressPolicy plus{"+", true, "double-bounce"};
  struct Case {
    const char* key;
    bool propagate;
    const char* want;
  };
  const Case cases[] = {
      {"alias+tag@ex.com", true, "a+tag@x.org,\"b,c\"+tag@y.org,local+tag"},
      {"Alias+Tag@EX.com", true, "a+Tag@x.org,\"b,c\"+Tag@y.org,local+Tag"},
      {"alias+tag@ex.com", false, "a@x.org, \"b,c\"@y.org,local"},
      {"alias@ex.com", true, "a@x.org, \"b,c\"@y.org,local"},
      {"full+e@ex.com", true, "f@x.org"},
      {"nobody+e@ex.com", true, "@other.org"},  // Postfix's client prepends the local part itself
  };
  for (const auto& c : cases) {
    INFO(c.key << " propagate=" << c.propagate);
    auto r = search_address(t, c.key, plus, c.propagate);
    REQUIRE(r);
    REQUIRE(r->has_value());
    CHECK(**r == c.want);
  }
  CHECK(propagate_extension("@dom", "+x") == "@dom");
  CHECK(propagate_extension("a@b", "") == "a@b");
}
