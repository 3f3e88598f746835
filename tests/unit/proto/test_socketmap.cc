// test_socketmap.cc - socketmap request split, reply payloads and limits.
#include <catch2/catch.hpp>

#include "core/proto/netstring.h"
#include "core/proto/socketmap.h"

using namespace core::proto;
using namespace std::string_literals;
namespace table = core::table;

TEST_CASE("socketmap: request split on the first space", "[unit]") {
  struct Case {
    std::string payload, want_name, want_key;
  };
  std::vector<Case> cases = {
      {"virtual user+news@example.com", "virtual", "user+news@example.com"},
      {"virtual \"john doe\"@example.com", "virtual", "\"john doe\"@example.com"},
      {"virtual ", "virtual", ""},  // empty key
      {"virtual  lead", "virtual", " lead"},
      {"m k\xc3\xa9y@\xe4\xbe\x8b.test", "m", "k\xc3\xa9y@\xe4\xbe\x8b.test"},
      {"m a%b\0c"s, "m", "a%b\0c"s},
  };
  for (const auto& c : cases) {
    INFO(c.payload);
    auto r = parse_socketmap_request(c.payload);
    REQUIRE(r);
    CHECK(r->name == c.want_name);
    CHECK(r->key == c.want_key);
    CHECK(socketmap_request(r->name, r->key) == c.payload);
  }
  CHECK(!parse_socketmap_request("virtual"));
  CHECK(!parse_socketmap_request(""));
  CHECK(!parse_socketmap_request(" key"));
}

TEST_CASE("socketmap: reply payloads", "[unit]") {
  CHECK(socketmap_ok("alice@example.org,bob@example.org") == "OK alice@example.org,bob@example.org");
  CHECK(socketmap_notfound() == "NOTFOUND ");
  CHECK(socketmap_temp("database unavailable") == "TEMP database unavailable");
  CHECK(socketmap_timeout("slow") == "TIMEOUT slow");
  CHECK(socketmap_perm("bad\r\nconfig\x01\xff") == "PERM bad??config??");
  CHECK(socketmap_temp(std::string(500, 'r')).size() == 5 + kSocketmapMaxReason);
  CHECK(socketmap_ok("").starts_with("PERM "));
}

TEST_CASE("socketmap: reply size limit", "[unit]") {
  std::string fits(kSocketmapMaxReply - 3, 'v');
  CHECK(socketmap_ok(fits).size() == kSocketmapMaxReply);
  CHECK(decode_netstring(encode_netstring(socketmap_ok(fits)), kSocketmapMaxReply).frame());
  std::string big = socketmap_ok(fits + "v");
  CHECK(big.starts_with("PERM "));
  CHECK(big.size() <= 5 + kSocketmapMaxReason);
}

TEST_CASE("socketmap: LookupResult mapping", "[unit]") {
  CHECK(socketmap_answer(table::found("x@y")) == "OK x@y");
  CHECK(socketmap_answer(table::not_found()) == "NOTFOUND ");
  CHECK(socketmap_answer(core::retry_error("db down")) == "TEMP db down");
  CHECK(socketmap_answer(core::config_error("bad query")) == "PERM bad query");
  CHECK(socketmap_answer(table::found("")).starts_with("PERM "));
}

TEST_CASE("socketmap: reply classification as Postfix 3.7 does it", "[unit]") {
  using S = SocketmapReply::Status;
  struct Case {
    std::string payload;
    S want;
    std::string want_data;
  };
  std::vector<Case> cases = {
      {"OK a b,c", S::Ok, "a b,c"},   {"OK ", S::Ok, ""},
      {"OK", S::NotFound, ""},        {"NOTFOUND ", S::NotFound, ""},
      {"NOTFOUND", S::NotFound, ""},  {"TEMP db", S::Temp, "db"},
      {"TIMEOUT x", S::Timeout, "x"}, {"PERM y", S::Perm, "y"},
      {"ok x", S::Unknown, "ok x"},   {"", S::Unknown, ""},
  };
  for (const auto& c : cases) {
    INFO(c.payload);
    auto r = parse_socketmap_reply(c.payload);
    CHECK(r.status == c.want);
    CHECK(r.data == c.want_data);
  }
}
