// sessions.h - the two protocol sessions on the core server: Courier
// authdaemond (one request, one reply, close) and Dovecot auth-client
// (handshake, many requests per connection).
//
// Hashing and table lookups run through Server::submit() on worker
// threads; replies are written on the loop thread, after the throttle's
// delay. A table error becomes the protocol's temporary failure: authdaemond
// closes without a reply (Cyrus: SASL_FAIL -> Postfix 454), Dovecot closes
// the connection (Postfix: "Connection lost" -> 454). Malformed requests are
// logged (printable, never a password) and the connection closed.
// PASSWD and ENUMERATE (authdaemond only, accounts.h) run on the workers
// too. PASSWD answers OK or FAIL (FAIL for a database error as well: the
// protocol has nothing else; logged as a warning). A listing is read in
// batches, each written as it arrives; a database error ends it without
// the final "." line, which Courier's client reports as an error.
//
// Lifetime: a Service outlives every session (it lives until run_daemon
// returns). Sessions, Service and Throttle are loop-thread only.
#pragma once

#include <memory>
#include <string>

#include "core/server/server.h"
#include "saslcheck/accounts.h"
#include "saslcheck/authdaemon_proto.h"
#include "saslcheck/throttle.h"
#include "saslcheck/verifier.h"

namespace saslcheck {

struct Service {
  core::server::Server* server = nullptr;
  std::shared_ptr<Verifier> verifier;
  Throttle throttle{Throttle::Options{}};
  std::shared_ptr<AccountStore> accounts;  // saslcheck_account_database; null = not set
  PasswdOptions passwd;
  bool dovecot_cram_md5 = false;
  unsigned long next_cuid = 1;
};

std::unique_ptr<core::server::Session> new_authdaemon_session(Service& service);
std::unique_ptr<core::server::Session> new_dovecot_session(
    Service& service, const std::shared_ptr<core::server::Connection>& conn);

// authdaemon_passwd, authdaemon_enumerate - the admin commands of an
// authdaemond session (authdaemon_admin.cc): reply, then close.
void authdaemon_passwd(Service& service, const std::shared_ptr<core::server::Connection>& conn,
                       AuthdaemonRequest request);
void authdaemon_enumerate(Service& service, const std::shared_ptr<core::server::Connection>& conn);

// later - run FN on the loop thread after DELAY (at once when DELAY is 0).
void later(core::server::Server& server, std::chrono::milliseconds delay, std::function<void()> fn);

}  // namespace saslcheck
