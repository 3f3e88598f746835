// reply_mime.cc - RFC 2047 subjects, RFC 1468 ISO-2022-JP, the reply's header.
#include "vdelivery/reply_mime.h"

#include <iconv.h>

#include <cerrno>
#include <ctime>

namespace vdelivery {
namespace {

constexpr size_t kMaxWord = 75;  // RFC 2047 section 2
constexpr size_t kMaxLine = 76;  // ... for lines holding encoded words

bool plain_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return s.find("=?") == std::string_view::npos;
}

bool all_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c > 0x7e || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')) return false;
  return true;
}

// utf8_chars - TEXT cut before every byte that starts a character (and
// after 4 bytes, so invalid input cannot make one "character" too long).
std::vector<std::string_view> utf8_chars(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 1; i <= text.size(); ++i)
    if (i == text.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 || i - start >= 4) {
      out.push_back(text.substr(start, i - start));
      start = i;
    }
  return out;
}

// lines - TEXT split at LF with a CR before it dropped; no empty last line.
std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// body_part - the Content-Type/Transfer-Encoding lines, empty line, body.
std::optional<std::string> body_part(std::string_view body, Charset charset) {
  std::vector<std::string_view> ls = lines(body);
  bool long_line = false;
  for (auto l : ls) long_line = long_line || l.size() > 900;
  if (charset == Charset::Iso2022jp) {
    std::string out = "Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n";
    for (auto l : ls) {  // each line on its own: it ends in ASCII state (RFC 1468)
      auto jis = to_iso2022jp(l);
      if (!jis || jis->size() > 998) return std::nullopt;
      out += *jis + "\n";
    }
    return out;
  }
  if (all_ascii(body) && !long_line) {
    std::string out = "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 7bit\n\n";
    for (auto l : ls) out += std::string(l) + "\n";
    return out;
  }
  std::string canonical;  // RFC 2045 6.8: text is encoded with CRLF line breaks
  for (auto l : ls) canonical += std::string(l) + "\r\n";
  std::string b64 = base64(canonical);
  std::string out = "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n";
  for (size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\n";
  return out;
}

// msg_ids - the "<...>" tokens of VALUE (printable, no spaces), in order.
std::vector<std::string> msg_ids(std::string_view value) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = value.find('<', pos)) != std::string_view::npos) {
    size_t end = value.find('>', pos);
    if (end == std::string_view::npos) break;
    std::string_view id = value.substr(pos, end - pos + 1);
    bool ok = id.size() > 2 && id.size() <= 250;
    for (unsigned char c : id.substr(1, id.size() - 2)) ok = ok && c > 0x20 && c < 0x7f && c != '<';
    if (ok) out.emplace_back(id);
    pos = end + 1;
  }
  return out;
}

}  // namespace

// base64 - the standard alphabet with '=' padding.
std::string base64(std::string_view data) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (size_t i = 0; i < data.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) v |= static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// to_iso2022jp - one iconv pass plus the final flush back to ASCII.
std::optional<std::string> to_iso2022jp(std::string_view utf8) {
  iconv_t cd = iconv_open("ISO-2022-JP", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  char buf[256];
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  bool ok = true;
  for (bool flushing = false;;) {
    char* o = buf;
    size_t o_left = sizeof buf;
    size_t r = flushing ? iconv(cd, nullptr, nullptr, &o, &o_left) : iconv(cd, &in, &in_left, &o, &o_left);
    out.append(buf, static_cast<size_t>(o - buf));
    if (r == static_cast<size_t>(-1) && errno == E2BIG) continue;
    if (r == static_cast<size_t>(-1) || (!flushing && r > 0)) {  // EILSEQ/EINVAL, or a lossy conversion
      ok = false;
      break;
    }
    if (flushing) break;
    flushing = true;
  }
  iconv_close(cd);
  if (!ok) return std::nullopt;
  return out;
}

// encoded_words - greedy: each word takes as many whole characters as fit.
std::optional<std::vector<std::string>> encoded_words(std::string_view text, Charset charset,
                                                      size_t first_room, size_t room) {
  const std::string prefix = charset == Charset::Utf8 ? "=?UTF-8?B?" : "=?ISO-2022-JP?B?";
  const size_t overhead = prefix.size() + 2;
  auto encode = [&](std::string_view chunk) -> std::optional<std::string> {
    if (charset == Charset::Utf8) return std::string(chunk);
    return to_iso2022jp(chunk);
  };
  std::vector<std::string_view> chars = utf8_chars(text);
  std::vector<std::string> words;
  size_t i = 0;
  while (i < chars.size()) {
    size_t limit = std::min(kMaxWord, words.empty() ? first_room : room);
    if (limit < overhead + 8)
      limit = std::min(kMaxWord, room);  // no room on the first line: start on the next
    const size_t max_b64 = (limit - overhead) / 4 * 4;
    std::string best;
    size_t j = i;
    while (j < chars.size()) {
      std::string_view chunk(chars[i].data(),
                             static_cast<size_t>(chars[j].data() + chars[j].size() - chars[i].data()));
      auto bytes = encode(chunk);
      if (!bytes) return std::nullopt;
      if ((bytes->size() + 2) / 3 * 4 > max_b64 && j > i) break;
      best = std::move(*bytes);
      ++j;
    }
    words.push_back(prefix + base64(best) + "?=");
    i = j;
  }
  return words;
}

// header_field - plain ASCII as it is, anything else as folded encoded words.
std::optional<std::string> header_field(std::string_view name, std::string_view value, Charset charset) {
  std::string out = std::string(name) + ": ";
  if (plain_ascii(value) && out.size() + value.size() <= 998) return out + std::string(value) + "\n";
  size_t first_room = kMaxLine > out.size() ? kMaxLine - out.size() : 0;
  auto words = encoded_words(value, charset, first_room, kMaxLine - 1);
  if (!words) return std::nullopt;
  for (size_t i = 0; i < words->size(); ++i) out += (i ? "\n " : "") + (*words)[i];
  return out + "\n";
}

// compose_reply - RFC 3834 section 3.1 header, then the body part.
std::string compose_reply(const ReplyParts& p, bool* fell_back) {
  Charset cs = p.charset;
  auto subject = header_field("Subject", p.subject, cs);
  auto body = body_part(p.body, cs);
  if (!subject || !body) {
    cs = Charset::Utf8;
    if (fell_back) *fell_back = true;
    subject = header_field("Subject", p.subject, cs);
    body = body_part(p.body, cs);
  }
  std::string out = "From: " + p.from + "\nTo: " + p.to + "\n" + *subject + "Date: " + p.date +
                    "\nMessage-ID: " + p.message_id + "\n";
  std::vector<std::string> in_reply_to = msg_ids(p.in_reply_to);
  if (!in_reply_to.empty()) {
    out += "In-Reply-To: " + in_reply_to[0] + "\n";
    std::vector<std::string> refs = msg_ids(p.references);
    if (refs.size() > 20) refs.erase(refs.begin(), refs.end() - 20);  // bounded, newest kept
    refs.push_back(in_reply_to[0]);
    out += "References:";  // one id per line: folded, never too long
    for (const auto& r : refs) out += " " + r + "\n";
  }
  out +=
      "Auto-Submitted: auto-replied\nPrecedence: junk\nX-Loop: Postfix Admin Virtual Vacation\n"
      "MIME-Version: 1.0\n";
  return out + *body;
}

std::string rfc5322_date(long long now) {
  std::time_t t = static_cast<std::time_t>(now);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %z", &tm);
  return buf;
}

}  // namespace vdelivery
