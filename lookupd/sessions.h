// sessions.h - the socketmap and tcp_table protocol handlers of lookupd.
//
// One Session per client connection (owned by its Connection, server.h).
// Both protocols are strict lockstep: a session reads one request, asks the
// Resolver, writes the reply, then reads the next. A reply the Resolver
// cannot give at once (cache miss) pauses input until it comes back; a
// fresh cache hit is answered inside on_input without a loop turn.
//
//  - SocketmapSession: netstring "<map> SP <key>" -> OK/NOTFOUND/TEMP/PERM
//    (core/proto/socketmap.h). The map name selects the lookupd map.
//  - TcpSession: "get <%XX key>" LF -> 200/500/400 (core/proto/tcp_table.h),
//    always for the one map its listener is bound to.
//
// A framing error (bad netstring, over-long line) is logged once and the
// client is closed: the stream cannot be resynchronised. A well-framed but
// unparsable socketmap request (no space) gets "PERM bad request".
//
// The Resolver must outlive every session (it lives as long as the daemon).
// Loop thread only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/server/server.h"
#include "lookupd/resolver.h"

namespace lookupd {

class SocketmapSession final : public core::server::Session {
 public:
  // MAX_REQUEST - largest request payload accepted (lookupd_max_request_size).
  SocketmapSession(Resolver& resolver, size_t max_request) : resolver_(resolver), max_request_(max_request) {}
  size_t on_input(const std::shared_ptr<core::server::Connection>& conn, std::string_view input) override;

 private:
  Resolver& resolver_;
  size_t max_request_;
};

class TcpSession final : public core::server::Session {
 public:
  TcpSession(Resolver& resolver, std::string map, size_t max_line)
      : resolver_(resolver), map_(std::move(map)), max_line_(max_line) {}
  size_t on_input(const std::shared_ptr<core::server::Connection>& conn, std::string_view input) override;

 private:
  Resolver& resolver_;
  std::string map_;
  size_t max_line_;
};

}  // namespace lookupd
