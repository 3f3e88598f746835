// test_encoding.cc - base64 (RFC 4648 §10 vectors), hex, equal_ct.
#include <catch2/catch.hpp>

#include "saslcheck/encoding.h"

TEST_CASE("base64 RFC 4648 vectors both ways", "[unit]") {
  const std::pair<const char*, const char*> v[] = {{"", ""},
                                                   {"f", "Zg=="},
                                                   {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},
                                                   {"foob", "Zm9vYg=="},
                                                   {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [raw, enc] : v) {
    CHECK(saslcheck::base64_encode(raw) == enc);
    CHECK(saslcheck::base64_decode(enc) == std::optional<std::string>(raw));
  }
  CHECK(saslcheck::base64_decode(std::string_view("AHUAcA==")) ==
        std::optional<std::string>(std::string("\0u\0p", 4)));
}

TEST_CASE("base64 rejects malformed input", "[unit]") {
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!", "Zg==Zg==", "=Zg=", "Zm 9v", "Zm9v\n"})
    CHECK_FALSE(saslcheck::base64_decode(bad).has_value());
}

TEST_CASE("hex and constant-time compare", "[unit]") {
  CHECK(saslcheck::hex_encode("\x01\xab") == "01ab");
  CHECK(saslcheck::equal_ct("abc", "abc"));
  CHECK_FALSE(saslcheck::equal_ct("abc", "abd"));
  CHECK_FALSE(saslcheck::equal_ct("abc", "abcd"));
  CHECK(saslcheck::equal_ct("", ""));
}
