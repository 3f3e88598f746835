// stdio_relay.h - serve one client on stdin/stdout (-S), for Postfix
// spawn(8) and for tests, as Postfix's single_server.c "stream" mode does.
//
// If stdin is a socket it is served directly. Otherwise (pipes) the bytes
// are relayed through a socketpair, because a StreamConnection needs one
// full-duplex descriptor: stdin -> pair -> session -> pair -> stdout. The
// server stops when the client is done and its replies are written.
// Regular files and devices such as /dev/null cannot be polled and are
// refused. Loop thread only; owned
// by the EventServer and freed before its event_base.
#pragma once

#include "core/base/result.h"

struct bufferevent;
struct event_base;

namespace core::server {

class EventServer;

struct StdioRelay {
  EventServer* server = nullptr;
  bufferevent* in = nullptr;     // fd 0
  bufferevent* out = nullptr;    // fd 1
  bufferevent* inner = nullptr;  // our end of the socketpair
  int inner_fd = -1;
  bool in_eof = false;
  bool inner_eof = false;
  bool shut = false;
  ~StdioRelay();
};

// start_stdio_relay - the descriptor to serve as the client: dup(0) for a
// socket, else the far end of a socketpair relayed by RELAY.
Result<int> start_stdio_relay(event_base* base, EventServer* server, StdioRelay& relay);

}  // namespace core::server
