// dovecot_proto.h - server side of the Dovecot auth-client protocol v1 as
// Postfix's smtpd_sasl_type = dovecot speaks it (dovecot-auth-protocol.md):
// TAB-separated lines; client VERSION, CPID, AUTH, CONT, CANCEL; server
// handshake, CONT, OK, FAIL.
//
// next_dovecot_line() splits buffered input into lines (max 16384 bytes,
// as Dovecot 2.3); parse_dovecot_command() parses one line. Pure
// functions, thread-safe; error texts hold no client data.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace saslcheck {

inline constexpr size_t kDovecotMaxLine = 16384;

struct DovecotLine {
  enum class Kind { NeedMore, Line, Error };
  Kind kind = Kind::NeedMore;
  std::string_view line;  // without '\n'; a view into the input
  size_t consumed = 0;
};

DovecotLine next_dovecot_line(std::string_view input);

struct DovecotCommand {
  enum class Type { Version, Cpid, Auth, Cont, Cancel };
  Type type = Type::Version;
  unsigned major = 0;               // VERSION
  unsigned long id = 0;             // AUTH, CONT, CANCEL
  std::string mech;                 // AUTH, upper case
  std::string service;              // AUTH service=
  bool secured = false;             // AUTH secured
  std::optional<std::string> resp;  // AUTH resp= / CONT data, still base64 ("=" kept as is)
};

// parse_dovecot_command - one client line; Error for anything Dovecot would
// close the connection for (unknown command, bad id, id 0).
core::Result<DovecotCommand> parse_dovecot_command(std::string_view line);

// dovecot_handshake - VERSION, MECH lines (PLAIN, LOGIN, CRAM-MD5 if CRAM), SPID, CUID, COOKIE, DONE.
std::string dovecot_handshake(bool cram, long spid, unsigned long cuid, std::string_view cookie_hex);
std::string dovecot_cont(unsigned long id, std::string_view base64);
std::string dovecot_ok(unsigned long id, std::string_view user);
std::string dovecot_fail(unsigned long id, std::string_view user, std::string_view code);

// decode_sasl_data - base64 client data; "=" (RFC 4954 empty response) is "".
std::optional<std::string> decode_sasl_data(std::string_view b64);

}  // namespace saslcheck
