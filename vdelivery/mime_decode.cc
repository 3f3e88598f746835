// mime_decode.cc - RFC 2047 decoding with iconv.
#include "vdelivery/mime_decode.h"

#include <iconv.h>

#include <cerrno>

namespace vdelivery {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> unbase64(std::string_view s) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : s) {
    int d = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
                                   : -1;
    if (c == '=') break;
    if (d < 0) return std::nullopt;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  return out;
}

std::optional<std::string> unquote(std::string_view s) {  // RFC 2047 "Q"
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      out.push_back(' ');
    } else if (s[i] == '=') {
      if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) return std::nullopt;
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// decode_word - WORD ("=?cs?X?text?=") as UTF-8, or nullopt.
std::optional<std::string> decode_word(std::string_view word) {
  std::string_view inner = word.substr(2, word.size() - 4);
  size_t q1 = inner.find('?');
  if (q1 == std::string_view::npos || q1 + 2 >= inner.size() || inner[q1 + 2] != '?') return std::nullopt;
  std::string charset(inner.substr(0, q1));
  if (auto star = charset.find('*'); star != std::string::npos) charset.resize(star);
  char enc = inner[q1 + 1];
  std::string_view text = inner.substr(q1 + 3);
  auto bytes = (enc == 'B' || enc == 'b')   ? unbase64(text)
               : (enc == 'Q' || enc == 'q') ? unquote(text)
                                            : std::nullopt;
  if (!bytes || charset.empty()) return std::nullopt;
  return convert_to_utf8(*bytes, charset);
}

}  // namespace

std::optional<std::string> convert_to_utf8(std::string_view bytes, const std::string& charset) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  char buf[256];
  char* in = const_cast<char*>(bytes.data());
  size_t left = bytes.size();
  bool ok = true;
  while (ok) {
    char* o = buf;
    size_t o_left = sizeof buf;
    size_t r = iconv(cd, &in, &left, &o, &o_left);
    out.append(buf, static_cast<size_t>(o - buf));
    if (r != static_cast<size_t>(-1)) break;
    ok = errno == E2BIG;
  }
  iconv_close(cd);
  if (!ok) return std::nullopt;
  return out;
}

// decode_words - scan for "=?", decode up to the matching "?=".
std::string decode_words(std::string_view value) {
  std::string out;
  std::string pending_space;  // white space after an encoded word, dropped if another follows
  bool after_word = false;
  size_t i = 0;
  while (i < value.size()) {
    if (value.compare(i, 2, "=?") == 0) {
      // "=?cs?X?text?=": the end is the "?=" after the third '?'.
      size_t q = value.find('?', i + 2);
      if (q != std::string_view::npos) q = value.find('?', q + 1);
      size_t end = q == std::string_view::npos ? q : value.find("?=", q + 1);
      if (end != std::string_view::npos) {
        std::string_view word = value.substr(i, end + 2 - i);
        if (auto text = decode_word(word)) {
          if (!after_word) out += pending_space;
          pending_space.clear();
          out += *text;
          after_word = true;
          i = end + 2;
          continue;
        }
      }
    }
    char c = value[i++];
    if (c == ' ' || c == '\t') {
      pending_space.push_back(' ');
      continue;
    }
    out += pending_space;
    pending_space.clear();
    after_word = false;
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  out += pending_space;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

}  // namespace vdelivery
