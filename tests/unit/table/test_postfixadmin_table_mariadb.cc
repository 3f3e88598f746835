// test_postfixadmin_table_mariadb.cc - postfixadmin:KIND: against the
// documented map lists (schema/postfix/*.cf through mysql:, which the
// mysql: tests check against Postfix's postmap) on a real MariaDB.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/log/log.h"
#include "mariadb_env.h"

using namespace vmk_test;
using core::table::Table;

namespace {

const char* const kKeys[] = {
    "joe@example.com",
    "JOE@Example.COM",
    "ann@example.com",
    "gone@example.com",
    "info@example.com",
    "off@example.com",
    "nosuch@example.com",
    "@example.com",
    "example.com",
    "joe@alias.test",
    "Ann@Alias.Test",
    "direct@alias.test",
    "nosuch@alias.test",
    "@alias.test",
    "alias.test",
    "box@catchall.test",
    "fwd@catchall.test",
    "x@catchall.test",
    "@catchall.test",
    "catchall.test",
    "backup.test",
    "off.test",
    "eve@off.test",
    "offalias.test",
    "joe@offalias.test",
    "@offalias.test",
    "all",
    "joe",
    "joe@",
    "o'x@example.com",
    "joe@example.com@alias.test",
    "x' OR '1'='1@alias.test",
};

struct Kind {
  const char* kind;
  std::vector<const char*> files;
};

const Kind kKinds[] = {
    {"domains", {"mysql_virtual_domains_maps.cf"}},
    {"mailbox", {"mysql_virtual_mailbox_maps.cf", "mysql_virtual_alias_domain_mailbox_maps.cf"}},
    {"alias",
     {"mysql_virtual_alias_maps.cf", "mysql_virtual_alias_domain_maps.cf",
      "mysql_virtual_alias_domain_catchall_maps.cf"}},
};

// postfix_keys - Postfix's key order for ADDR with recipient_delimiter "+"
// (mail_addr_find, non-local domain): full, without extension, @domain.
std::vector<std::string> postfix_keys(const std::string& addr) {
  std::vector<std::string> keys{addr};
  size_t at = addr.rfind('@');
  if (at == std::string::npos) return keys;
  size_t plus = addr.find('+');
  if (plus != std::string::npos && plus > 0 && plus < at)
    keys.push_back(addr.substr(0, plus) + addr.substr(at));
  keys.push_back(addr.substr(at));
  return keys;
}

// first_hit - the answer and the key that produced it, as Postfix searches.
std::string first_hit(Table& t, const std::string& addr) {
  for (const auto& k : postfix_keys(addr)) {
    auto r = t.lookup(k);
    REQUIRE(r);
    if (r->has_value()) return k + " -> " + **r;
  }
  return "(none)";
}

}  // namespace

TEST_CASE("mariadb: postfixadmin:KIND equals Postfix Admin's map lists, key by key", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  TempCf conn(*env, "query = SELECT 'ignored' WHERE 1 = 0 AND '%s' = ''\n");
  int found = 0;
  for (const auto& kind : kKinds) {
    std::vector<std::unique_ptr<RawCf>> files;
    std::string list;
    for (const char* f : kind.files) {
      files.push_back(std::make_unique<RawCf>(map_file_text(*env, f)));
      list += "mysql:" + files.back()->path + " ";
    }
    auto want_list = core::table::open_list(list, {});
    REQUIRE(want_list);
    auto got = open_table(std::string("postfixadmin:") + kind.kind + ":" + conn.path);
    for (const char* key : kKeys) {
      INFO(kind.kind << " key " << key);
      auto want = (*want_list)->lookup(key);
      auto have = got->lookup(key);
      REQUIRE(want);
      REQUIRE(have);
      CHECK(*have == *want);
      if (want->has_value()) ++found;
    }
  }
  CHECK(found >= 25);
}

TEST_CASE("mariadb: postfixadmin alias/mailbox follow Postfix's key order", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  TempCf conn(*env, "");
  struct Case {
    const char* kind;
    const char* addr;
    const char* want;
  };
  const Case cases[] = {
      // Real addresses win over catch-alls (self-alias rows), through alias domains too.
      {"alias", "joe@example.com",
       "joe@example.com -> joe@example.com,joe#example.com@autoreply.example.com"},
      {"alias", "joe+tag@example.com",
       "joe@example.com -> joe@example.com,joe#example.com@autoreply.example.com"},
      {"alias", "nobody@example.com", "@example.com -> postmaster@example.com"},
      {"alias", "joe@alias.test", "joe@alias.test -> joe@example.com,joe#example.com@autoreply.example.com"},
      {"alias", "direct@alias.test", "direct@alias.test -> ann@example.com"},
      {"alias", "nobody@alias.test", "nobody@alias.test -> postmaster@example.com"},
      {"alias", "box+x@catchall.test", "box@catchall.test -> box@catchall.test"},
      {"alias", "nobody@catchall.test", "@catchall.test -> box@catchall.test"},
      {"alias", "gone@example.com", "@example.com -> postmaster@example.com"},
      {"alias", "nobody@offalias.test", "(none)"},
      {"mailbox", "ann+x@alias.test", "ann@alias.test -> example.com/ann/"},
      {"mailbox", "nobody@alias.test", "(none)"},
      {"mailbox", "gone@example.com", "(none)"},
  };
  for (const auto& c : cases) {
    INFO(c.kind << " " << c.addr);
    auto t = open_table(std::string("postfixadmin:") + c.kind + ":" + conn.path);
    CHECK(first_hit(*t, c.addr) == c.want);
  }
}

TEST_CASE("mariadb: postfixadmin server stopped is Retry", "[mariadb]") {
  auto env = maria_env();
  if (!env) return;
  if (std::getenv("VMAILKIT_TEST_MYSQL_CONTROL") == nullptr) return;
  std::vector<std::string> warnings;
  core::log::set_sink([&](core::log::Level, std::string_view t) { warnings.emplace_back(t); });
  TempCf conn(*env, "");
  auto t = open_table("postfixadmin:alias:" + conn.path);
  CHECK(t->lookup("info@example.com")->value() == "joe@example.com,ann@example.com");
  REQUIRE(control("stop"));
  auto r = t->lookup("info@example.com");
  REQUIRE(control("start"));
  core::log::set_sink(nullptr);
  REQUIRE(!r);
  CHECK(r.error().kind == core::ErrorKind::Retry);
}
