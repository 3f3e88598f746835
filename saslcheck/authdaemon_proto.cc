// authdaemon_proto.cc - Courier authdaemond request parser and replies.
#include "saslcheck/authdaemon_proto.h"

#include "saslcheck/encoding.h"

namespace saslcheck {
namespace {

using Kind = AuthdaemonParse::Kind;

AuthdaemonParse fail(std::string why) {
  AuthdaemonParse p;
  p.kind = Kind::Error;
  p.error = std::move(why);
  return p;
}

// next_field - the text up to the next '\n' in REST (or all of it), advancing REST.
std::string_view next_field(std::string_view& rest) {
  size_t nl = rest.find('\n');
  std::string_view f = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return f;
}

// parse_auth_payload - "<service>\n<authtype>\n<authdata>" into REQ.
bool parse_auth_payload(std::string_view payload, AuthdaemonRequest& req, std::string& why) {
  std::string_view rest = payload;
  req.service = std::string(next_field(rest));
  req.authtype = std::string(next_field(rest));
  if (req.service.empty() || req.authtype.empty()) {
    why = "AUTH payload without service or authtype";
    return false;
  }
  if (req.authtype == "login") {
    req.user = std::string(next_field(rest));
    req.password = std::string(next_field(rest));
    return true;
  }
  if (req.authtype.starts_with("cram-")) {
    auto challenge = base64_decode(next_field(rest));
    auto response = base64_decode(next_field(rest));
    if (!challenge || !response) {
      why = "bad base64 in cram authdata";
      return false;
    }
    size_t sp = response->rfind(' ');
    if (sp == std::string::npos) {
      why = "cram response without user";
      return false;
    }
    req.challenge = *challenge;
    req.user = response->substr(0, sp);
    req.digest = response->substr(sp + 1);
    return true;
  }
  return true;  // other authtypes are answered FAIL by the caller
}

// parse_passwd - "<service>\t<userid>\t<old>\t<new>"; Courier answers FAIL
// (not silence) to a PASSWD it cannot use, so problems go to REQ.invalid.
void parse_passwd(std::string_view arg, AuthdaemonRequest& req) {
  req.command = AuthdaemonRequest::Command::Passwd;
  for (char c : arg) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      req.invalid = "control character in PASSWD request";
      return;
    }
  }
  std::string_view f[4];
  for (int i = 0; i < 3; ++i) {
    size_t tab = arg.find('\t');
    if (tab == std::string_view::npos) {
      req.invalid = "PASSWD request with fewer than 4 fields";
      return;
    }
    f[i] = arg.substr(0, tab);
    arg.remove_prefix(tab + 1);
  }
  f[3] = arg;
  if (f[3].find('\t') != std::string_view::npos) {
    req.invalid = "PASSWD request with more than 4 fields";
    return;
  }
  req.service = std::string(f[0]);
  req.user = std::string(f[1]);
  req.password = std::string(f[2]);
  req.new_password = std::string(f[3]);
  if (req.user.empty() || req.password.empty() || req.new_password.empty())
    req.invalid = "PASSWD request with an empty field";
}

}  // namespace

// parse_authdaemon - meta lines, then the command line, then (AUTH) the payload.
AuthdaemonParse parse_authdaemon(std::string_view input) {
  AuthdaemonParse out;
  size_t pos = 0;
  for (;;) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (input.size() - pos > kAuthdaemonMaxLine) return fail("request line too long");
      return out;  // NeedMore
    }
    if (nl - pos > kAuthdaemonMaxLine) return fail("request line too long");
    std::string_view line = input.substr(pos, nl - pos);
    pos = nl + 1;
    size_t special = line.find_first_of(" =");
    if (special != std::string_view::npos && line[special] == '=') {  // meta line
      if (line.starts_with("TCPREMOTEIP=")) out.request.remote_ip = std::string(line.substr(12));
      continue;
    }
    std::string_view cmd = line.substr(0, special);
    std::string_view arg = special == std::string_view::npos ? std::string_view() : line.substr(special + 1);
    while (arg.starts_with(' ')) arg.remove_prefix(1);
    if (cmd == "PRE") {
      // PRE <module> <service> <userid>
      size_t a = arg.find(' ');
      size_t b = a == std::string_view::npos ? a : arg.find(' ', a + 1);
      if (b == std::string_view::npos || b + 1 >= arg.size()) return fail("malformed PRE");
      out.request.command = AuthdaemonRequest::Command::Pre;
      out.request.service = std::string(arg.substr(a + 1, b - a - 1));
      out.request.user = std::string(arg.substr(b + 1));
      out.kind = Kind::Request;
      out.consumed = pos;
      return out;
    }
    if (cmd == "ENUMERATE" || cmd == "PASSWD") {
      if (cmd == "ENUMERATE") {
        if (!arg.empty()) return fail("ENUMERATE with an argument");
        out.request.command = AuthdaemonRequest::Command::Enumerate;
      } else {
        parse_passwd(arg, out.request);
      }
      out.kind = Kind::Request;
      out.consumed = pos;
      return out;
    }
    if (cmd != "AUTH") return fail("unknown command");
    if (arg.empty() || arg.size() > 5) return fail("bad AUTH length");
    size_t n = 0;
    for (char c : arg) {
      if (c < '0' || c > '9') return fail("bad AUTH length");
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (n == 0 || n > kAuthdaemonMaxPayload) return fail("AUTH length out of range");
    if (input.size() - pos < n) return out;  // NeedMore
    std::string why;
    if (!parse_auth_payload(input.substr(pos, n), out.request, why)) return fail(why);
    out.request.command = AuthdaemonRequest::Command::Auth;
    out.kind = Kind::Request;
    out.consumed = pos + n;
    return out;
  }
}

std::string authdaemon_enumerate_line(std::string_view name, std::string_view uid, std::string_view gid,
                                      std::string_view home, std::string_view maildir,
                                      std::string_view options) {
  std::string out;
  bool first = true;  // not out.empty(): an empty first field still needs its tab
  for (std::string_view v : {name, uid, gid, home, maildir, options}) {
    if (!first) out += '\t';
    first = false;
    for (char c : v) out += (c == '\t' || c == '\n' || c == '\r' || c == '\0') ? '?' : c;
  }
  out += '\n';
  return out;
}

std::string authdaemon_success(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    out += k;
    out += '=';
    for (char c : v) out += (c == '\n' || c == '\r' || c == '\0') ? '?' : c;
    out += '\n';
  }
  out += ".\n";
  return out;
}

}  // namespace saslcheck
