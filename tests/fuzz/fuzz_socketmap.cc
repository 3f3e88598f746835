// fuzz_socketmap.cc - libFuzzer target: a socketmap connection's bytes
// through decode_netstring() and parse_socketmap_request(), checking the
// decoder's invariants and that every reply built from the request fits
// Postfix's limits and decodes back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/proto/netstring.h"
#include "core/proto/socketmap.h"

namespace {

constexpr size_t kMaxRequest = 10000;

void check(bool ok) {
  if (!ok) std::abort();
}

// check_reply - a reply payload must be framed, within limits, and round-trip.
void check_reply(const std::string& payload) {
  check(payload.size() <= core::proto::kSocketmapMaxReply);
  std::string wire = core::proto::encode_netstring(payload);
  auto back = core::proto::decode_netstring(wire, core::proto::kSocketmapMaxReply);
  check(back.frame() && back.payload == payload && back.consumed == wire.size());
  check(core::proto::parse_socketmap_reply(payload).status != core::proto::SocketmapReply::Status::Unknown);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  core::proto::parse_socketmap_reply(in);
  while (!in.empty()) {
    auto r = core::proto::decode_netstring(in, kMaxRequest);
    if (!r.frame()) break;
    check(r.consumed > 0 && r.consumed <= in.size() && r.payload.size() <= kMaxRequest);
    // Any shorter prefix of a frame must ask for more bytes.
    check(core::proto::decode_netstring(in.substr(0, (r.consumed - 1) / 2), kMaxRequest).need_more());
    auto req = core::proto::parse_socketmap_request(r.payload);
    if (req) {
      check(!req->name.empty() && req->name.find(' ') == std::string_view::npos);
      check(core::proto::socketmap_request(req->name, req->key) == r.payload);
      check_reply(core::proto::socketmap_answer(core::table::found(std::string(req->key))));
      check_reply(core::proto::socketmap_answer(core::retry_error(std::string(req->key))));
      check_reply(core::proto::socketmap_answer(core::config_error(std::string(req->key))));
    }
    in.remove_prefix(r.consumed);
  }
  return 0;
}
