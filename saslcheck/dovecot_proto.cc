// dovecot_proto.cc - Dovecot auth-client line codec.
#include "saslcheck/dovecot_proto.h"

#include <fmt/format.h>

#include <vector>

#include "saslcheck/encoding.h"

namespace saslcheck {
namespace {

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

// parse_id - a decimal request id, 1..2^32-1.
std::optional<unsigned long> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  if (v == 0 || v > 0xffffffffUL) return std::nullopt;
  return v;
}

// safe - a value for a reply field: no TAB, LF, CR or NUL.
std::string safe(std::string_view v) {
  std::string out(v);
  for (auto& c : out)
    if (c == '\t' || c == '\n' || c == '\r' || c == '\0') c = '?';
  return out;
}

}  // namespace

DovecotLine next_dovecot_line(std::string_view input) {
  DovecotLine out;
  size_t nl = input.find('\n');
  if (nl == std::string_view::npos) {
    if (input.size() > kDovecotMaxLine) out.kind = DovecotLine::Kind::Error;
    return out;
  }
  if (nl > kDovecotMaxLine) {
    out.kind = DovecotLine::Kind::Error;
    return out;
  }
  out.kind = DovecotLine::Kind::Line;
  out.line = input.substr(0, nl);
  out.consumed = nl + 1;
  return out;
}

// parse_dovecot_command - see header.
core::Result<DovecotCommand> parse_dovecot_command(std::string_view line) {
  auto f = split_tabs(line);
  DovecotCommand cmd;
  if (f[0] == "VERSION") {
    if (f.size() < 3) return core::retry_error("VERSION without numbers");
    auto major = parse_id(f[1]);
    if (!major || *major != 1) return core::retry_error("unsupported protocol major version");
    cmd.type = DovecotCommand::Type::Version;
    cmd.major = 1;
    return cmd;
  }
  if (f[0] == "CPID") {
    if (f.size() < 2 || !parse_id(f[1])) return core::retry_error("bad CPID");
    cmd.type = DovecotCommand::Type::Cpid;
    return cmd;
  }
  if (f[0] != "AUTH" && f[0] != "CONT" && f[0] != "CANCEL") return core::retry_error("unknown command");
  if (f.size() < 2) return core::retry_error("missing request id");
  auto id = parse_id(f[1]);
  if (!id) return core::retry_error("bad request id");
  cmd.id = *id;
  if (f[0] == "CANCEL") {
    cmd.type = DovecotCommand::Type::Cancel;
    return cmd;
  }
  if (f[0] == "CONT") {
    cmd.type = DovecotCommand::Type::Cont;
    cmd.resp = std::string(f.size() > 2 ? f[2] : std::string_view());
    return cmd;
  }
  cmd.type = DovecotCommand::Type::Auth;
  if (f.size() < 3 || f[2].empty()) return core::retry_error("AUTH without mechanism");
  for (char c : f[2]) cmd.mech += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  for (size_t i = 3; i < f.size(); ++i) {
    std::string_view p = f[i];
    if (p.starts_with("service="))
      cmd.service = std::string(p.substr(8));
    else if (p == "secured")
      cmd.secured = true;
    else if (p.starts_with("resp=")) {
      // Postfix speaks minor 0: an empty resp= means no initial response.
      if (p.size() > 5) cmd.resp = std::string(p.substr(5));
      break;  // resp must be last; Dovecot ignores what follows
    }
  }
  if (cmd.service.empty()) return core::retry_error("AUTH without service");
  return cmd;
}

std::string dovecot_handshake(bool cram, long spid, unsigned long cuid, std::string_view cookie_hex) {
  std::string out = "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\n";
  if (cram) out += "MECH\tCRAM-MD5\tdictionary\tactive\n";
  out += fmt::format("SPID\t{}\nCUID\t{}\nCOOKIE\t{}\nDONE\n", spid, cuid, cookie_hex);
  return out;
}

std::string dovecot_cont(unsigned long id, std::string_view b64) {
  return fmt::format("CONT\t{}\t{}\n", id, b64);
}

std::string dovecot_ok(unsigned long id, std::string_view user) {
  return fmt::format("OK\t{}\tuser={}\n", id, safe(user));
}

std::string dovecot_fail(unsigned long id, std::string_view user, std::string_view code) {
  std::string out = fmt::format("FAIL\t{}", id);
  if (!user.empty()) out += "\tuser=" + safe(user);
  if (!code.empty()) out += "\tcode=" + std::string(code);
  return out + "\n";
}

std::optional<std::string> decode_sasl_data(std::string_view b64) {
  if (b64 == "=") return std::string();
  return base64_decode(b64);
}

}  // namespace saslcheck
