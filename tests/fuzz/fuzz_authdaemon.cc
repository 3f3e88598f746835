// fuzz_authdaemon.cc - libFuzzer target: bytes of one authdaemond
// connection through parse_authdaemon(). Checks that a request never claims
// more bytes than it was given, that an AUTH login request re-encoded the
// way Cyrus SASL sends it parses back to the same fields, and that success
// replies built from client text keep the KEY=VALUE/"." line structure;
// likewise for PASSWD requests and ENUMERATE lines.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "saslcheck/authdaemon_proto.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = saslcheck::parse_authdaemon(in);
  using Kind = saslcheck::AuthdaemonParse::Kind;
  if (p.kind == Kind::Error) check(!p.error.empty());
  if (p.kind != Kind::Request) return 0;
  check(p.consumed <= in.size());
  const auto& r = p.request;
  if (r.command == saslcheck::AuthdaemonRequest::Command::Auth && r.authtype == "login" &&
      r.service.find('\n') == std::string::npos && !r.service.empty()) {
    std::string payload = r.service + "\nlogin\n" + r.user + "\n" + r.password + "\n";
    if (payload.size() <= saslcheck::kAuthdaemonMaxPayload) {
      auto again =
          saslcheck::parse_authdaemon("AUTH " + std::to_string(payload.size()) + "\n" + payload + "\n");
      check(again.kind == Kind::Request);
      check(again.request.user == r.user && again.request.password == r.password);
    }
  }
  std::string reply = saslcheck::authdaemon_success({{"ADDRESS", r.user}, {"NAME", r.service}});
  check(reply.ends_with("\n.\n"));
  size_t lines = 0;
  for (char c : reply) lines += c == '\n';
  check(lines == 3);
  // A usable PASSWD re-encoded as authtest sends it parses back the same.
  if (r.command == saslcheck::AuthdaemonRequest::Command::Passwd && r.invalid.empty() &&
      !r.service.starts_with(' ')) {
    auto again = saslcheck::parse_authdaemon("PASSWD " + r.service + "\t" + r.user + "\t" + r.password + "\t" +
                                             r.new_password + "\n");
    check(again.kind == Kind::Request && again.request.invalid.empty());
    check(again.request.user == r.user && again.request.password == r.password &&
          again.request.new_password == r.new_password);
  }
  // An ENUMERATE line from client text keeps its 6 fields and 1 line.
  std::string line = saslcheck::authdaemon_enumerate_line(r.user, "1", "2", r.service, r.password, r.new_password);
  size_t tabs = 0, nls = 0;
  for (char c : line) {
    tabs += c == '\t';
    nls += c == '\n';
  }
  check(tabs == 5 && nls == 1 && line.ends_with('\n'));
  return 0;
}
