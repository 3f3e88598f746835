// fuzz_vacation.cc - libFuzzer target: the vacation code that sees
// sender-controlled bytes (read_facts, parse_addresses, reply_refusal) and
// the RFC 2047 encoder on any text. Invariants: the decisions are
// deterministic; every encoded word is at most 75 characters and, for
// UTF-8, the words' bytes joined give the input back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vdelivery/reply_mime.h"
#include "vdelivery/vacation_rules.h"

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}

std::string unbase64(std::string_view s) {
  static const std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    v = (v << 6) | static_cast<unsigned>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> own{"joe@example.com"};
  auto f = vdelivery::read_facts(in);
  auto why = vdelivery::reply_refusal(f, "ann@client.test", own, true);
  auto again = vdelivery::reply_refusal(vdelivery::read_facts(in), "ann@client.test", own, true);
  check(why == again);
  for (const auto& a : f.to_cc) check(a.find('@') != std::string::npos);
  if (size > 2000) return 0;
  auto words = vdelivery::encoded_words(in, vdelivery::Charset::Utf8, 67, 75);
  check(words.has_value());
  std::string joined;
  for (const auto& w : *words) {
    check(w.size() <= 75 && w.rfind("=?UTF-8?B?", 0) == 0);
    joined += unbase64(std::string_view(w).substr(10, w.size() - 12));
  }
  check(joined == in);
  if (size < 300)
    if (auto jis = vdelivery::encoded_words(in, vdelivery::Charset::Iso2022jp, 67, 75))
      for (const auto& w : *jis) check(w.size() <= 75);
  return 0;
}
