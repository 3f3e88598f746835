// fuzz_dovecot_auth.cc - libFuzzer target: a Dovecot auth-client byte
// stream split into lines and parsed, plus the SASL data decoders. Checks
// line limits, that ids are never 0, and that replies built from parsed
// fields stay one TAB-separated line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "saslcheck/dovecot_proto.h"
#include "saslcheck/encoding.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void one_line(const std::string& s) {
  check(!s.empty() && s.back() == '\n' && s.find('\n') == s.size() - 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto raw = saslcheck::base64_decode(in))
    check(saslcheck::base64_decode(saslcheck::base64_encode(*raw)) == raw);
  (void)saslcheck::decode_sasl_data(in);
  while (!in.empty()) {
    auto l = saslcheck::next_dovecot_line(in);
    if (l.kind != saslcheck::DovecotLine::Kind::Line) break;
    check(l.consumed <= in.size() && l.line.size() <= saslcheck::kDovecotMaxLine);
    auto cmd = saslcheck::parse_dovecot_command(l.line);
    if (cmd && cmd->type != saslcheck::DovecotCommand::Type::Version &&
        cmd->type != saslcheck::DovecotCommand::Type::Cpid) {
      check(cmd->id != 0);
      one_line(saslcheck::dovecot_ok(cmd->id, cmd->service));
      one_line(saslcheck::dovecot_fail(cmd->id, cmd->mech, "temp_fail"));
      if (cmd->resp) (void)saslcheck::decode_sasl_data(*cmd->resp);
    }
    in.remove_prefix(l.consumed);
  }
  return 0;
}
