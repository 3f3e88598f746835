// test_tcp_table.cc - tcp_table request parser, %XX coding, replies, limits.
#include <catch2/catch.hpp>

#include "core/proto/tcp_table.h"

using namespace core::proto;
using namespace std::string_literals;
namespace table = core::table;

TEST_CASE("tcp_table: hex_quote encodes like Postfix", "[unit]") {
  struct Case {
    std::string raw, want;
  };
  std::vector<Case> cases = {
      {"John Doe@Example.COM", "John%20Doe@Example.COM"},
      {"Key With Space@Ex%ample.com", "Key%20With%20Space@Ex%25ample.com"},
      {"k\xc3\xa9y", "k%C3%A9y"},
      {"a\tb\nc\vd\fe\rf", "a%09b%0Ac%0Bd%0Ce%0Df"},
      {"\0\x1f\x7f\x80\xff"s, "%00%1F%7F%80%FF"},
      {"@.+-_\"',:;<>/\\~", "@.+-_\"',:;<>/\\~"},
      {"", ""},
  };
  for (const auto& c : cases) {
    INFO(c.raw);
    CHECK(hex_quote(c.raw) == c.want);
    CHECK(hex_unquote(c.want) == c.raw);
  }
}

TEST_CASE("tcp_table: hex_unquote rules", "[unit]") {
  CHECK(hex_unquote("%2c%2C") == ",,");
  CHECK(hex_unquote("plain text") == "plain text");
  CHECK(!hex_unquote("%"));
  CHECK(!hex_unquote("%2"));
  CHECK(!hex_unquote("a%zz"));
  CHECK(!hex_unquote("%g0"));
  CHECK(!hex_unquote("end%4"));
}

TEST_CASE("tcp_table: every byte round-trips", "[unit]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::string q = hex_quote(all);
  CHECK(q.find_first_of(" \t\r\n\v\f") == std::string::npos);
  CHECK(hex_unquote(q) == all);
}

TEST_CASE("tcp_table: request parser", "[unit]") {
  struct Case {
    std::string in;
    std::string want_key;
    size_t want_consumed;
  };
  std::vector<Case> cases = {
      {"get John%20Doe@Example.COM\n", "John Doe@Example.COM", 27},
      {"get x\nget y\n", "x", 6},
      {"get \n", "", 5},  // empty key
      {"get a%00b\n", "a\0b"s, 10},
      {"get k%c3%a9y\n", "k\xc3\xa9y", 13},
      {"get raw key\n", "raw key", 12},  // literal bytes pass, as Postfix's hex_unquote does
      {"get x\r\n", "x", 7},             // CR before LF stripped (nc -C)
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto r = parse_tcp_request(c.in);
    REQUIRE(r.request());
    CHECK(r.key == c.want_key);
    CHECK(r.consumed == c.want_consumed);
  }
  for (std::string partial : {""s, "g"s, "get"s, "get x"s, "get %2"s}) {
    INFO(partial);
    CHECK(parse_tcp_request(partial).need_more());
  }
  for (std::string bad : {"GET x\n"s, "get\n"s, "put x y\n"s, "getx\n"s, "get %zz\n"s, "get %4\n"s, "\n"s}) {
    INFO(bad);
    auto r = parse_tcp_request(bad);
    CHECK(r.failed());
    CHECK(r.consumed == bad.size());
  }
}

TEST_CASE("tcp_table: request line limit", "[unit]") {
  std::string at = "get " + std::string(91, 'k') + "\n";  // exactly 96 bytes
  REQUIRE(at.size() == 96);
  CHECK(parse_tcp_request(at, 96).request());
  CHECK(parse_tcp_request(at.substr(0, 95), 96).need_more());
  auto over = parse_tcp_request("get " + std::string(92, 'k') + "\n", 96);
  CHECK(over.failed());
  CHECK(over.consumed == 0);
  CHECK(parse_tcp_request(std::string(96, 'g'), 96).failed());
  // A 10000-byte key, every byte encoded, fits the default limit.
  std::string key(10000, ' ');
  auto r = parse_tcp_request(tcp_request(key));
  REQUIRE(r.request());
  CHECK(r.key == key);
}

TEST_CASE("tcp_table: replies and LookupResult mapping", "[unit]") {
  CHECK(tcp_reply_found("jd@example.org, backup@example.org") ==
        "200 jd@example.org,%20backup@example.org\n");
  CHECK(tcp_reply_found("100%\r\n") == "200 100%25%0D%0A\n");
  CHECK(tcp_reply_not_found().starts_with("500 "));
  CHECK(tcp_reply_temp("db 100% down\n") == "400 db 100%25 down?\n");
  CHECK(tcp_answer(table::found("v")) == "200 v\n");
  CHECK(tcp_answer(table::not_found()).starts_with("500 "));
  CHECK(tcp_answer(core::retry_error("db down")) == "400 db down\n");
  CHECK(tcp_answer(core::config_error("bad query")) == "400 bad query\n");
  CHECK(tcp_answer(table::found("")).starts_with("400 "));
  for (auto r :
       {tcp_answer(core::retry_error(std::string(5000, '%'))), tcp_reply_not_found(), tcp_reply_found("x")}) {
    CHECK(r.size() <= kTcpMaxReplyLine);
    CHECK(r.back() == '\n');
    CHECK(r.find('\n') == r.size() - 1);
  }
}

TEST_CASE("tcp_table: reply limit is 4096 bytes including LF", "[unit]") {
  std::string fits(kTcpMaxReplyLine - 5, 'v');
  CHECK(tcp_reply_found(fits).size() == kTcpMaxReplyLine);
  CHECK(tcp_reply_found(fits + "v").starts_with("400 "));
  std::string spaces((kTcpMaxReplyLine - 5) / 3, ' ');  // 3 bytes each once encoded
  CHECK(tcp_reply_found(spaces).starts_with("200 "));
  CHECK(tcp_reply_found(spaces + " ").starts_with("400 "));
}

TEST_CASE("tcp_table: reply classification as Postfix does it", "[unit]") {
  using S = TcpReply::Status;
  struct Case {
    std::string line;
    S want;
    std::string want_text;
  };
  std::vector<Case> cases = {
      {"200 a,%20b", S::Found, "a, b"}, {"299 x", S::Found, "x"},    {"200  x", S::Found, " x"},
      {"200\tx", S::Found, "x"},        {"200 ", S::Found, ""},      {"500 nope", S::NotFound, "nope"},
      {"400 down", S::Temp, "down"},    {"500", S::Malformed, ""},   {"600 x", S::Malformed, "x"},
      {"20 x", S::Malformed, ""},       {"2x0 a", S::Malformed, ""}, {"200 %zz", S::Malformed, ""},
      {"200x", S::Malformed, ""},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto r = parse_tcp_reply(c.line);
    CHECK(r.status == c.want);
    if (c.want != S::Malformed) CHECK(r.text == c.want_text);
  }
}
