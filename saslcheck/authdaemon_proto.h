// authdaemon_proto.h - Courier authdaemond socket protocol codec
// (courier-authdaemon.md §2-3): one request per connection, optional
// NAME=VALUE meta lines, then "AUTH <n>\n" + n bytes, "PRE <module>
// <service> <userid>\n", "PASSWD <service>\t<userid>\t<old>\t<new>\n" or
// "ENUMERATE\n". Replies: KEY=VALUE lines and ".", or "FAIL"; PASSWD: "OK"
// or "FAIL"; ENUMERATE: "# <module>", an empty line, one TAB-separated
// line per account, ".".
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
inline constexpr std::string_view kAuthdaemonOk = "OK\n";  // PASSWD

struct AuthdaemonRequest {
  enum class Command { Auth, Pre, Passwd, Enumerate };
  Command command = Command::Auth;
  std::string service;
  std::string authtype;   // "login", "cram-md5", ... as sent (PRE: empty)
  std::string user;       // login/PRE: the user id; cram-*: from the decoded response
  std::string password;   // login: the password; PASSWD: the old one
  std::string new_password;  // PASSWD
  std::string invalid;    // PASSWD that must be answered FAIL: why (no client data)
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

// authdaemon_enumerate_line - "<name>\t<uid>\t<gid>\t<home>\t<maildir>\t<options>\n",
// TABs and line ends in values replaced so a value cannot forge a field or line.
std::string authdaemon_enumerate_line(std::string_view name, std::string_view uid, std::string_view gid,
                                      std::string_view home, std::string_view maildir, std::string_view options);

// authdaemon_success - KEY=VALUE lines then ".\n"; newlines in values are
// replaced so a value cannot forge a line.
std::string authdaemon_success(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace saslcheck
