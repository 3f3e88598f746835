// socketmap.h - socketmap request parsing and reply building (server side).
//
// Wire facts: /work/shared/reference/postfix-socketmap.md. A request payload
// is "<name> SP <key>", split on the FIRST space (the key may contain spaces
// and may be empty). Replies are payloads to be framed with
// encode_netstring(): "OK <data>", "NOTFOUND ", "TEMP <reason>",
// "TIMEOUT <reason>", "PERM <reason>".
//
// Guarantees for Postfix 3.7's client: a reply payload is never longer than
// kSocketmapMaxReply (a value that would exceed it becomes PERM with a
// reason); reasons are printable ASCII, at most kSocketmapMaxReason bytes.
// A found-but-empty value is answered PERM, not "OK ": Postfix turns "OK "
// into a configuration error anyway (maps.c), and PERM logs why.
//
// SocketmapRequest views point into the payload passed to the parser.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/table/table.h"

namespace core::proto {

// Postfix logs at most 200 characters of a reason.
inline constexpr size_t kSocketmapMaxReason = 200;

struct SocketmapRequest {
  std::string_view name;  // table name: non-empty, no space
  std::string_view key;   // the rest: may be empty, may contain spaces
};

// parse_socketmap_request - split PAYLOAD; no space or empty name = Config error.
Result<SocketmapRequest> parse_socketmap_request(std::string_view payload);
// socketmap_request - the request payload a client sends for NAME and KEY.
std::string socketmap_request(std::string_view name, std::string_view key);

// Reply payloads. Reasons are cleaned with socketmap_reason().
std::string socketmap_ok(std::string_view data);  // PERM if empty or too long
std::string socketmap_notfound();
std::string socketmap_temp(std::string_view reason);
std::string socketmap_timeout(std::string_view reason);
std::string socketmap_perm(std::string_view reason);
// socketmap_reason - REASON as printable ASCII ('?' for others), cut to 200 bytes.
std::string socketmap_reason(std::string_view reason);

// socketmap_answer - the reply payload for a lookup result: found -> OK,
// not found -> NOTFOUND, Retry -> TEMP, Config -> PERM.
std::string socketmap_answer(const table::LookupResult& result);

// What a socketmap client makes of a reply payload (Postfix dict_sockmap.c).
struct SocketmapReply {
  enum class Status { Ok, NotFound, Temp, Timeout, Perm, Unknown };
  Status status = Status::Unknown;
  std::string_view data;  // OK: the value; errors: the reason
};
// parse_socketmap_reply - classify PAYLOAD as Postfix 3.7 does ("OK" without
// space = not found; lowercase or unknown words = Unknown).
SocketmapReply parse_socketmap_reply(std::string_view payload);

}  // namespace core::proto
