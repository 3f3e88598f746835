// test_netstring.cc - netstring decoder/encoder, malformed and partial input.
#include <catch2/catch.hpp>

#include "core/proto/netstring.h"

using namespace core::proto;
using namespace std::string_literals;

TEST_CASE("netstring: complete frames", "[unit]") {
  struct Case {
    std::string in;
    std::string want_payload;
    size_t want_consumed;
  };
  std::vector<Case> cases = {
      {"0:,", "", 3},
      {"5:hello,", "hello", 8},
      {"005:hello,", "hello", 10},  // leading zeros tolerated
      {"5:hello,6:second,", "hello", 8},
      {"3:a,b,", "a,b", 6},  // comma inside the payload is data
      {"3:\0\n\xff,"s, "\0\n\xff"s, 6},
      {"29:virtual user+news@example.com,", "virtual user+news@example.com", 33},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto r = decode_netstring(c.in, 1000);
    REQUIRE(r.frame());
    CHECK(r.payload == c.want_payload);
    CHECK(r.consumed == c.want_consumed);
  }
}

TEST_CASE("netstring: every strict prefix of a frame needs more", "[unit]") {
  std::string frame = "11:hello world,";
  for (size_t i = 0; i < frame.size(); ++i) {
    INFO(i);
    CHECK(decode_netstring(std::string_view(frame).substr(0, i), 1000).need_more());
  }
  CHECK(decode_netstring(frame, 1000).frame());
}

TEST_CASE("netstring: malformed input", "[unit]") {
  struct Case {
    std::string in;
    std::string why;
  };
  std::vector<Case> cases = {
      {":abc,", "no digits"},
      {"a:abc,", "letter"},
      {"-1:a,", "sign"},
      {" 1:a,", "leading space"},
      {"1 :a,", "space before colon"},
      {"3:abcd", "no comma"},
      {"3:abc;", "wrong terminator"},
      {"3:abc\n", "newline terminator"},
      {"1001:", "length over the limit"},
      {"1001", "length over the limit before the colon"},
      {"99999999999999999999999999999", "huge length, no colon"},
      {std::string(40, '0') + "1:a,", "too many leading zeros"},
  };
  for (const auto& c : cases) {
    INFO(c.why << ": " << c.in);
    auto r = decode_netstring(c.in, 1000);
    CHECK(r.failed());
    CHECK(!r.error.empty());
  }
}

TEST_CASE("netstring: the limit is inclusive", "[unit]") {
  std::string at = encode_netstring(std::string(kSocketmapMaxReply, 'x'));
  auto r = decode_netstring(at, kSocketmapMaxReply);
  REQUIRE(r.frame());
  CHECK(r.payload.size() == kSocketmapMaxReply);
  CHECK(decode_netstring("100001:", kSocketmapMaxReply).failed());
  CHECK(decode_netstring("100000:", kSocketmapMaxReply).need_more());
  // No overflow with an absurd limit.
  CHECK(decode_netstring("184467440737095516160:", SIZE_MAX).failed());
}

TEST_CASE("netstring: encode/decode round trip", "[unit]") {
  for (std::string p :
       {""s, "a"s, "OK alice@example.org,bob@example.org"s, "\0\0,:"s, std::string(5000, ',')}) {
    std::string wire = encode_netstring(p);
    auto r = decode_netstring(wire, 10000);
    REQUIRE(r.frame());
    CHECK(r.payload == p);
    CHECK(r.consumed == wire.size());
  }
  CHECK(encode_netstring("OK 1") == "4:OK 1,");
  std::string out = "x";
  append_netstring(out, "ab");
  CHECK(out == "x2:ab,");
}
