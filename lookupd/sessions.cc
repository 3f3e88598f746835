// sessions.cc - socketmap and tcp_table request/reply lockstep.
#include "lookupd/sessions.h"

#include "core/log/log.h"
#include "core/proto/netstring.h"
#include "core/proto/socketmap.h"
#include "core/proto/tcp_table.h"

namespace lookupd {
namespace {

using ConnPtr = std::shared_ptr<core::server::Connection>;
using Encode = std::string (*)(const core::table::LookupResult&);

// socketmap_reply - the netstring-framed socketmap reply for R.
std::string socketmap_reply(const core::table::LookupResult& r) {
  return core::proto::encode_netstring(core::proto::socketmap_answer(r));
}

// answer - write the encoded reply at once when the resolver has it (cache
// hit: no callback, no pause); else pause input until the lookup answers.
void answer(Resolver& resolver, const ConnPtr& conn, std::string_view map, std::string_view key,
            Encode encode) {
  if (auto now = resolver.try_now(map, key)) return conn->write(encode(*now));
  conn->pause_input();
  std::weak_ptr<core::server::Connection> weak = conn;
  resolver.resolve_miss(map, key, [weak, encode](const core::table::LookupResult& r) {
    auto c = weak.lock();
    if (!c || c->closed()) return;
    c->write(encode(r));
    c->resume_input();  // may run inside resolve_miss (an answer needing no I/O): fine
  });
}

}  // namespace

// on_input - one netstring request per call.
size_t SocketmapSession::on_input(const ConnPtr& conn, std::string_view input) {
  auto frame = core::proto::decode_netstring(input, max_request_);
  if (frame.need_more()) return 0;
  if (frame.failed()) {
    core::log::warning("{}: socketmap client {}: {}; closing", conn->listener(), conn->peer(), frame.error);
    conn->close();
    return input.size();
  }
  auto req = core::proto::parse_socketmap_request(frame.payload);
  if (!req) {
    core::log::warning("{}: socketmap client {}: bad request \"{}\": {}", conn->listener(), conn->peer(),
                       core::log::printable(frame.payload), req.error().text);
    conn->write(core::proto::encode_netstring(core::proto::socketmap_perm("bad request")));
    return frame.consumed;
  }
  answer(resolver_, conn, req->name, req->key, &socketmap_reply);
  return frame.consumed;
}

// on_input - one "get KEY" line per call.
size_t TcpSession::on_input(const ConnPtr& conn, std::string_view input) {
  auto req = core::proto::parse_tcp_request(input, max_line_);
  if (req.need_more()) return 0;
  if (req.failed() && req.consumed == 0) {  // no line end in sight: cannot resynchronise
    core::log::warning("{}: tcp_table client {}: {}; closing", conn->listener(), conn->peer(), req.error);
    conn->close();
    return input.size();
  }
  if (req.failed()) {  // a whole line we cannot parse: Postfix would never send it
    core::log::warning("{}: tcp_table client {}: {}", conn->listener(), conn->peer(), req.error);
    conn->write(core::proto::tcp_reply_temp("bad request"));
    return req.consumed;
  }
  answer(resolver_, conn, map_, req.key, &core::proto::tcp_answer);
  return req.consumed;
}

}  // namespace lookupd
