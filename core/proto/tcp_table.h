// tcp_table.h - Postfix tcp_table(5) protocol: requests, replies, %XX coding.
//
// Wire facts: /work/shared/reference/postfix-tcp-table.md. Request
// "get SP <encoded key> LF"; reply "<3 digits> SP <encoded text> LF" of at
// most kTcpMaxReplyLine bytes including the LF. Postfix's client sends a
// bare LF; parse_tcp_request() also strips one CR before the LF so that
// people can test with "nc -C" (a CR can never be part of a key Postfix
// sends: hex_quote() turns it into %0D).
//
// Replies built here always fit Postfix's 4096-byte line limit: a value
// that would not fit becomes "400 <reason>". A found-but-empty value is
// answered 400 (Postfix would turn "200 " into a configuration error).
// Retry and Config both map to 400: tcp: has no permanent error, and the
// Postfix client disconnects after every 400 (and on malformed replies).
//
// Pure functions, thread-safe. TcpRequestResult owns its decoded key.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/table/table.h"

namespace core::proto {

// Postfix reads at most 4096 bytes of a reply line, LF included.
inline constexpr size_t kTcpMaxReplyLine = 4096;
// Default request line limit: a 10000-byte key fully %XX-encoded, plus "get " and LF.
inline constexpr size_t kTcpMaxRequestLine = 4 + 3 * 10000 + 1;

// hex_quote - Postfix's hex_quote(): '%', C-locale white space, control,
// DEL and non-ASCII bytes become %XX (uppercase); the rest is copied.
std::string hex_quote(std::string_view raw);
// hex_unquote - Postfix's hex_unquote(): "%" must be followed by exactly two
// hex digits (either case); nullopt otherwise.
std::optional<std::string> hex_unquote(std::string_view text);

struct TcpRequestResult {
  enum class Kind { NeedMore, Request, Error };
  Kind kind = Kind::NeedMore;
  std::string key;      // Request: the decoded key (may be empty, may hold NUL)
  size_t consumed = 0;  // Request/Error: bytes of the line, LF included (0 if no LF)
  std::string error;    // Error: why (no client data)

  bool need_more() const { return kind == Kind::NeedMore; }
  bool request() const { return kind == Kind::Request; }
  bool failed() const { return kind == Kind::Error; }
};

// parse_tcp_request - the first request line in INPUT. No LF within
// MAX_LINE bytes = Error (the server should close); no LF yet = NeedMore.
TcpRequestResult parse_tcp_request(std::string_view input, size_t max_line = kTcpMaxRequestLine);
// tcp_request - the line a client sends for KEY ("get " hex_quote(key) LF).
std::string tcp_request(std::string_view key);

// Reply lines, LF included, each at most kTcpMaxReplyLine bytes.
std::string tcp_reply_found(std::string_view value);  // 200, or 400 if empty/too long
std::string tcp_reply_not_found();                    // 500
std::string tcp_reply_temp(std::string_view reason);  // 400
// tcp_answer - found -> 200, not found -> 500, Retry/Config -> 400.
std::string tcp_answer(const table::LookupResult& result);

// What a tcp: client makes of one reply line (without its LF).
struct TcpReply {
  enum class Status { Found, NotFound, Temp, Malformed };
  Status status = Status::Malformed;
  std::string text;  // decoded text (Found: the value)
};
// parse_tcp_reply - classify LINE as Postfix's dict_tcp.c does.
TcpReply parse_tcp_reply(std::string_view line);

}  // namespace core::proto
