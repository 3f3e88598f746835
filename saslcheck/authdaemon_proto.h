// authdaemon_proto.h - Courier authdaemond socket protocol codec
// (courier-authdaemon.md §2-3): one request per connection, optional
// NAME=VALUE meta lines, then "AUTH <n>\n" + n bytes or "PRE <module>
// <service> <userid>\n". Replies: KEY=VALUE lines and ".", or "FAIL".
//
// parse_authdaemon() looks at everything buffered so far and never copies
// more than the request. Pure functions, thread-safe. Errors carry a
// printable reason with no client data (never the password).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace saslcheck {

// Courier's limits: header lines < BUFSIZ-2, AUTH payload < 8192.
inline constexpr size_t kAuthdaemonMaxLine = 8190;
inline constexpr size_t kAuthdaemonMaxPayload = 8191;
inline constexpr std::string_view kAuthdaemonFail = "FAIL\n";

struct AuthdaemonRequest {
  enum class Command { Auth, Pre };
  Command command = Command::Auth;
  std::string service;
  std::string authtype;   // "login", "cram-md5", ... as sent (PRE: empty)
  std::string user;       // login/PRE: the user id; cram-*: from the decoded response
  std::string password;   // login only
  std::string challenge;  // cram-*: decoded challenge
  std::string digest;     // cram-*: hex digest from the decoded response
  std::string remote_ip;  // TCPREMOTEIP meta line, if any
};

struct AuthdaemonParse {
  enum class Kind { NeedMore, Request, Error };
  Kind kind = Kind::NeedMore;
  AuthdaemonRequest request;
  size_t consumed = 0;
  std::string error;
};

// parse_authdaemon - the request in INPUT, NeedMore, or Error.
AuthdaemonParse parse_authdaemon(std::string_view input);

// authdaemon_success - KEY=VALUE lines then ".\n"; newlines in values are
// replaced so a value cannot forge a line.
std::string authdaemon_success(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace saslcheck
