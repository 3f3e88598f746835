// test_mime_decode.cc - RFC 2047 decoding for "$SUBJECT".
#include <catch2/catch.hpp>

#include "vdelivery/mime_decode.h"
#include "vdelivery/reply_mime.h"

using namespace vdelivery;

TEST_CASE("mime_decode: encoded words", "[unit]") {
  struct Case {
    std::string in, want;
  };
  std::vector<Case> cases{
      {"plain subject", "plain subject"},
      {"=?UTF-8?B?5LuK5pel44Gv?=", "今日は"},
      {"=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語"},
      {"Re: =?utf-8?q?caf=C3=A9_au_lait?= ok", "Re: café au lait ok"},
      {"=?UTF-8?B?5LuK?= =?UTF-8?B?5pel?=\t=?UTF-8?B?44Gv?=", "今日は"},  // space between words dropped
      {"a =?UTF-8?B?5LuK?= b", "a 今 b"},
      {"=?iso-8859-1*en?q?na=EFve?=", "naïve"},
      {"=?x-unknown?B?YWJj?=", "=?x-unknown?B?YWJj?="},  // left as it is
      {"=?UTF-8?B?###?=", "=?UTF-8?B?###?="},
      {"=?UTF-8?Q?bad=Z?=", "=?UTF-8?Q?bad=Z?="},
      {"=?broken", "=?broken"},
      {"ctl\x01here", "ctl here"},
      {"=?UTF-8?Q?a=0Ab?=", "a b"},  // decoded control characters become spaces
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(decode_words(c.in) == c.want);
  }
}

TEST_CASE("mime_decode: our own encoder's output decodes back", "[unit]") {
  const std::string text = "【不在】休暇中です。Out of office until 12/10 山田";
  for (Charset cs : {Charset::Utf8, Charset::Iso2022jp}) {
    auto words = encoded_words(text, cs, 67, 75);
    REQUIRE(words);
    std::string joined;
    for (const auto& w : *words) joined += (joined.empty() ? "" : " ") + w;
    CHECK(decode_words(joined) == text);
  }
}
