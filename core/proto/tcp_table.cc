// tcp_table.cc - tcp_table(5) request/reply coding (Postfix dict_tcp.c, hex_quote.c).
#include "core/proto/tcp_table.h"

#include <fmt/format.h>

namespace core::proto {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// c_isspace - isspace() in the C locale; Postfix's ISSPACE is ASCII-only.
bool c_isspace(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// reply_reason - a printable, %-safe reason that keeps "400 <reason>\n" short.
std::string reply_reason(std::string_view reason) {
  std::string out;
  for (unsigned char c : reason.substr(0, 200)) {
    if (c == '%')
      out += "%25";
    else
      out += (c < 0x20 || c > 0x7e) ? '?' : static_cast<char>(c);
  }
  return out;
}

}  // namespace

// hex_quote - copy RAW, %XX-encoding what Postfix's hex_quote() encodes.
std::string hex_quote(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (c == '%' || c_isspace(c) || c < 0x20 || c >= 0x7f) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// hex_unquote - decode %XX; a '%' without two hex digits fails the whole text.
std::optional<std::string> hex_unquote(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (text.size() - i < 3) return std::nullopt;
    int hi = hex_value(text[i + 1]);
    int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// parse_tcp_request - find the LF, check "get ", decode the key.
TcpRequestResult parse_tcp_request(std::string_view input, size_t max_line) {
  TcpRequestResult r;
  size_t lf = input.substr(0, max_line).find('\n');
  if (lf == std::string_view::npos) {
    if (input.size() < max_line) return r;  // NeedMore
    r.kind = TcpRequestResult::Kind::Error;
    r.error = fmt::format("request line longer than {} bytes", max_line);
    return r;
  }
  r.consumed = lf + 1;
  std::string_view line = input.substr(0, lf);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.substr(0, 4) != "get ") {
    r.kind = TcpRequestResult::Kind::Error;
    r.error = "malformed request: expected \"get <key>\"";
    return r;
  }
  auto key = hex_unquote(line.substr(4));
  if (!key) {
    r.kind = TcpRequestResult::Kind::Error;
    r.error = "malformed request: bad %XX escape in the key";
    return r;
  }
  r.kind = TcpRequestResult::Kind::Request;
  r.key = std::move(*key);
  return r;
}

std::string tcp_request(std::string_view key) {
  return "get " + hex_quote(key) + "\n";
}

// tcp_reply_found - "200 <encoded value>\n", or 400 when Postfix could not use it.
std::string tcp_reply_found(std::string_view value) {
  if (value.empty()) return tcp_reply_temp("table returned an empty value");
  std::string line = "200 " + hex_quote(value) + "\n";
  if (line.size() > kTcpMaxReplyLine)
    return tcp_reply_temp(
        fmt::format("encoded value of {} bytes exceeds the tcp_table reply limit of {} bytes",
                    line.size() - 5, kTcpMaxReplyLine - 5));
  return line;
}

std::string tcp_reply_not_found() {
  return "500 not found\n";
}
std::string tcp_reply_temp(std::string_view reason) {
  return "400 " + reply_reason(reason) + "\n";
}

// tcp_answer - one mapping from LookupResult to the wire; tcp: has no PERM.
std::string tcp_answer(const table::LookupResult& result) {
  if (!result) return tcp_reply_temp(result.error().text);
  if (!result->has_value()) return tcp_reply_not_found();
  return tcp_reply_found(**result);
}

// parse_tcp_reply - 3 digits, one white-space char, decodable text; first digit decides.
TcpReply parse_tcp_reply(std::string_view line) {
  TcpReply r;
  if (line.size() < 4) return r;
  for (int i = 0; i < 3; ++i)
    if (line[i] < '0' || line[i] > '9') return r;
  if (!c_isspace(static_cast<unsigned char>(line[3]))) return r;
  auto text = hex_unquote(line.substr(4));
  if (!text) return r;
  r.text = std::move(*text);
  switch (line[0]) {
    case '2': r.status = TcpReply::Status::Found; break;
    case '4': r.status = TcpReply::Status::Temp; break;
    case '5': r.status = TcpReply::Status::NotFound; break;
    default: r.status = TcpReply::Status::Malformed; break;
  }
  return r;
}

}  // namespace core::proto
