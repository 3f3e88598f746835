// fuzz_tcp_table.cc - libFuzzer target: a tcp_table connection's bytes
// through parse_tcp_request(), checking %XX round trips and that every reply
// built from the key is one line Postfix accepts (<= 4096 bytes with LF).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/proto/tcp_table.h"

namespace {

constexpr size_t kMaxLine = 4096;

void check(bool ok) {
  if (!ok) std::abort();
}

// check_reply - one LF-terminated line in limits that Postfix can parse.
void check_reply(const std::string& line, const std::string* want_value) {
  using S = core::proto::TcpReply::Status;
  check(!line.empty() && line.size() <= core::proto::kTcpMaxReplyLine);
  check(line.find('\n') == line.size() - 1);
  auto r = core::proto::parse_tcp_reply(std::string_view(line).substr(0, line.size() - 1));
  check(r.status != S::Malformed);
  if (want_value && r.status == S::Found) check(r.text == *want_value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  core::proto::parse_tcp_reply(in);
  if (auto u = core::proto::hex_unquote(in))
    check(core::proto::hex_unquote(core::proto::hex_quote(*u)) == *u);
  while (!in.empty()) {
    auto r = core::proto::parse_tcp_request(in, kMaxLine);
    if (r.need_more()) break;
    check(r.consumed <= in.size() && r.consumed <= kMaxLine);
    if (r.failed()) {
      if (r.consumed == 0) break;
      in.remove_prefix(r.consumed);
      continue;
    }
    std::string quoted = core::proto::hex_quote(r.key);
    check(quoted.find_first_of(" \t\r\n\v\f") == std::string::npos);
    check(core::proto::hex_unquote(quoted) == r.key);
    check(core::proto::parse_tcp_request(core::proto::tcp_request(r.key), SIZE_MAX).key == r.key);
    check_reply(core::proto::tcp_answer(core::table::found(r.key)), &r.key);
    check_reply(core::proto::tcp_answer(core::table::not_found()), nullptr);
    check_reply(core::proto::tcp_answer(core::retry_error(r.key)), nullptr);
    in.remove_prefix(r.consumed);
  }
  return 0;
}
