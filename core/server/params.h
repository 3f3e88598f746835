// params.h - the parameters every daemon has, and reading them into
// ListenOptions. common_params() itself is declared in server.h.
//
// Parameter            Default   Meaning
// maillog_file         ""        log file instead of syslog ("/dev/stderr" allowed)
// <name>_user          ""        drop to this user after binding ("" = stay; warned as root)
// <name>_idle_timeout  300s      close a client that sent no complete request for this long
// <name>_max_connections 1000    per listener; more are accepted and closed at once
// <name>_max_request_size 64k    unconsumed input above this closes the client. 64k is
//                                far above any socketmap/tcp_table/policy request Postfix
//                                sends (keys are addresses) and small enough that 1000
//                                clients cannot pin much memory
// <name>_socket_owner  ""        unix sockets: chown to this user ("" = unchanged)
// <name>_socket_group  ""        unix sockets: chgrp to this group
// <name>_socket_mode   0666      unix sockets: octal permission bits
//
// Errors are Config errors naming the parameter. Thread-safe.
#pragma once

#include <string_view>

#include "core/base/result.h"
#include "core/config/config.h"
#include "core/server/server.h"

namespace core::server {

// read_listen_options - ListenOptions from NAME's parameters in CONFIG.
Result<ListenOptions> read_listen_options(const config::Config& config, std::string_view name);

}  // namespace core::server
