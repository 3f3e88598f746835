// test_reply_mime.cc - RFC 2047 words, ISO-2022-JP (RFC 1468), the reply text.
#include <iconv.h>

#include <catch2/catch.hpp>

#include "vdelivery/reply_mime.h"

using namespace vdelivery;

namespace {

// unbase64 - the inverse of base64(), for checks.
std::string unbase64(std::string_view s) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    auto pos = kAlphabet.find(c);
    REQUIRE(pos != std::string::npos);
    v = (v << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  return out;
}

// from_iso2022jp - glibc's decoder, the other direction.
std::string from_iso2022jp(std::string_view jis) {
  iconv_t cd = iconv_open("UTF-8", "ISO-2022-JP");
  REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
  std::string out(jis.size() * 3 + 16, '\0');
  char* in = const_cast<char*>(jis.data());
  size_t in_left = jis.size();
  char* o = out.data();
  size_t o_left = out.size();
  REQUIRE(iconv(cd, &in, &in_left, &o, &o_left) != static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - o_left);
  return out;
}

// decode_word - "=?CS?B?...?=" -> (charset, raw bytes).
std::pair<std::string, std::string> decode_word(const std::string& w) {
  REQUIRE(w.rfind("=?", 0) == 0);
  REQUIRE(w.size() > 4);
  REQUIRE(w.substr(w.size() - 2) == "?=");
  auto q1 = w.find('?', 2);
  REQUIRE(w.substr(q1, 3) == "?B?");
  return {w.substr(2, q1 - 2), unbase64(w.substr(q1 + 3, w.size() - q1 - 5))};
}

bool valid_utf8_whole(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

const std::string kLongJa =
    "【不在のお知らせ】誠に勝手ながら十二月一日から十二月十日まで休暇をいただいております。"
    "ご返信が遅れますことをご了承ください。急ぎの用件は営業部までご連絡ください。";

}  // namespace

TEST_CASE("reply_mime: base64 vectors (RFC 4648 section 10)", "[unit]") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foobar") == "Zm9vYmFy");
}

TEST_CASE("reply_mime: UTF-8 words never split a character and decode back", "[unit]") {
  for (size_t first_room : {67u, 20u, 0u}) {
    INFO(first_room);
    auto words = encoded_words(kLongJa, Charset::Utf8, first_room, 75);
    REQUIRE(words);
    REQUIRE(words->size() > 3);
    std::string joined;
    for (size_t i = 0; i < words->size(); ++i) {
      const auto& w = (*words)[i];
      CHECK(w.size() <= 75);
      if (i == 0 && first_room >= 30) CHECK(w.size() <= first_room);
      auto [cs, bytes] = decode_word(w);
      CHECK(cs == "UTF-8");
      CHECK(valid_utf8_whole(bytes));  // each word holds whole characters only
      joined += bytes;
    }
    CHECK(joined == kLongJa);
  }
}

TEST_CASE("reply_mime: header_field folds within 76 columns", "[unit]") {
  auto h = header_field("Subject", kLongJa, Charset::Utf8);
  REQUIRE(h);
  CHECK(h->rfind("Subject: =?UTF-8?B?", 0) == 0);
  CHECK(h->back() == '\n');
  size_t start = 0, lines = 0;
  while (start < h->size()) {
    size_t nl = h->find('\n', start);
    std::string line = h->substr(start, nl - start);
    CHECK(line.size() <= 76);
    if (lines > 0) CHECK(line[0] == ' ');
    start = nl + 1;
    ++lines;
  }
  CHECK(lines > 2);
  CHECK(*header_field("Subject", "Out of office", Charset::Utf8) == "Subject: Out of office\n");
  // ASCII that looks like an encoded word is encoded, so it reads back literally.
  CHECK(header_field("Subject", "=?x?", Charset::Utf8)->rfind("Subject: =?UTF-8?B?", 0) == 0);
}

TEST_CASE("reply_mime: ISO-2022-JP conversion and round trip", "[unit]") {
  auto jis = to_iso2022jp("日本語");
  REQUIRE(jis);
  CHECK(*jis == "\x1b$BF|K\\8l\x1b(B");
  CHECK(*to_iso2022jp("abc") == "abc");
  auto mixed = to_iso2022jp("休暇中 (vacation) です。");
  REQUIRE(mixed);
  CHECK(from_iso2022jp(*mixed) == "休暇中 (vacation) です。");
  CHECK_FALSE(to_iso2022jp("emoji \xF0\x9F\x98\x80"));  // no JIS X 0208 form
  CHECK_FALSE(to_iso2022jp("\xff\xfe"));                // not UTF-8
}

TEST_CASE("reply_mime: ISO-2022-JP words each end in ASCII state", "[unit]") {
  auto words = encoded_words(kLongJa, Charset::Iso2022jp, 67, 75);
  REQUIRE(words);
  REQUIRE(words->size() > 3);
  std::string joined;
  for (const auto& w : *words) {
    CHECK(w.size() <= 75);
    auto [cs, bytes] = decode_word(w);
    CHECK(cs == "ISO-2022-JP");
    REQUIRE(bytes.size() >= 3);
    CHECK(bytes.substr(bytes.size() - 3) == "\x1b(B");
    joined += from_iso2022jp(bytes);  // each word decodes on its own
  }
  CHECK(joined == kLongJa);
}

TEST_CASE("reply_mime: compose_reply in UTF-8", "[unit]") {
  ReplyParts p{"joe@example.com",    "ann@client.test",
               "休暇中: " + kLongJa, "こんにちは\r\n本日は休みです。\n",
               "<r1@example.com>",   "Fri, 27 Nov 2026 23:00:00 +0000",
               "<orig@client.test>", "<a@x> <b@y>",
               Charset::Utf8};
  std::string m = compose_reply(p);
  auto head = m.substr(0, m.find("\n\n") + 1);
  CHECK(head.find("From: joe@example.com\n") != std::string::npos);
  CHECK(head.find("To: ann@client.test\n") != std::string::npos);
  CHECK(head.find("Auto-Submitted: auto-replied\n") != std::string::npos);
  CHECK(head.find("In-Reply-To: <orig@client.test>\n") != std::string::npos);
  CHECK(head.find("References: <a@x>\n <b@y>\n <orig@client.test>\n") != std::string::npos);
  CHECK(head.find("Message-ID: <r1@example.com>\n") != std::string::npos);
  CHECK(head.find("MIME-Version: 1.0\n") != std::string::npos);
  CHECK(head.find("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n") !=
        std::string::npos);
  std::string b64;
  for (char c : m.substr(m.find("\n\n") + 2))
    if (c != '\n') b64 += c;
  CHECK(unbase64(b64) == "こんにちは\r\n本日は休みです。\r\n");
}

TEST_CASE("reply_mime: compose_reply in ISO-2022-JP, and the UTF-8 fallback", "[unit]") {
  ReplyParts p{"joe@example.com", "ann@client.test", "休暇中", "一行目\n二行目 ascii\n", "<r@e>", "d", "", "",
               Charset::Iso2022jp};
  bool fell_back = false;
  std::string m = compose_reply(p, &fell_back);
  CHECK_FALSE(fell_back);
  CHECK(m.find("Subject: =?ISO-2022-JP?B?") != std::string::npos);
  CHECK(m.find("In-Reply-To") == std::string::npos);  // no original Message-ID
  CHECK(m.find("Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n") !=
        std::string::npos);
  std::string body = m.substr(m.find("\n\n") + 2);
  for (unsigned char c : body) CHECK(c < 0x80);
  // Every line ends in ASCII state (RFC 1468).
  CHECK(body == "\x1b$B0l9TL\\\x1b(B\n\x1b$BFs9TL\\\x1b(B ascii\n");
  CHECK(from_iso2022jp(body) == "一行目\n二行目 ascii\n");

  p.body = "smile \xF0\x9F\x98\x80\n";
  m = compose_reply(p, &fell_back);
  CHECK(fell_back);
  CHECK(m.find("charset=UTF-8") != std::string::npos);
  CHECK(m.find("Subject: =?UTF-8?B?") != std::string::npos);
}

TEST_CASE("reply_mime: odd Message-IDs are not copied", "[unit]") {
  ReplyParts p{"j@e", "a@c", "s", "b\n", "<r@e>", "d", "no angle brackets", "<x y>", Charset::Utf8};
  std::string m = compose_reply(p);
  CHECK(m.find("In-Reply-To") == std::string::npos);
  CHECK(m.find("References") == std::string::npos);
  CHECK(m.find("Content-Transfer-Encoding: 7bit\n\nb\n") != std::string::npos);
}
