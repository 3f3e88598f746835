// session.h - one smtpd client connection speaking the policy protocol.
//
// Each complete request (core/proto/policy.h) goes through the checks in
// the loop pass first (pipeline.h: cached table answers only). If that
// would block, the request is run again on a worker through
// Server::submit and its reply slot waits; replies are always written in
// request order. Postfix sends one request at a time; a client that
// pipelines gets at most kMaxPipelined requests in flight, then input
// pauses until the oldest is answered.
//
// A malformed or oversized request, or one whose "request" attribute is not
// smtpd_access_policy, is logged and the connection closed (the stream can
// no longer be trusted to be in step); other clients are not affected.
//
// Engine: what every session shares (the current checks, the worker submit
// function, counters); it outlives every session (the daemon keeps it).
// Sessions live on the loop thread; a worker touches only its own slot and
// the (thread-safe) checks, and its DONE re-checks the connection through a
// weak_ptr (the client may be gone).
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/server/server.h"
#include "policyd/pipeline.h"

namespace policyd {

class Engine {
 public:
  using Submit = std::function<void(std::function<void()> work, std::function<void()> done)>;
  explicit Engine(Submit submit) : submit_(std::move(submit)) {}

  // set_checks / checks - the current check list (replaced on SIGHUP;
  // requests in flight keep the list they started with). Loop thread.
  void set_checks(std::shared_ptr<const CheckList> checks) { checks_ = std::move(checks); }
  std::shared_ptr<const CheckList> checks() const { return checks_; }
  void submit(std::function<void()> work, std::function<void()> done) { submit_(std::move(work), std::move(done)); }

  // Counters (relaxed atomics; read for the stats line).
  struct Counters {
    std::atomic<uint64_t> requests{0}, loop{0}, worker{0}, ok{0}, dunno{0}, reject{0}, defer{0}, hold{0}, bad{0};
  };
  Counters& counters() { return counters_; }
  // summary - "requests=N loop=N worker=N ok=N dunno=N reject=N defer=N hold=N bad=N".
  std::string summary() const;
  // record - count OUTCOME and log it in Postfix's reject-line style when it is not OK/DUNNO.
  void record(const Request& request, const Outcome& outcome);

 private:
  Submit submit_;
  std::shared_ptr<const CheckList> checks_;
  Counters counters_;
};

// decision_line - "NOQUEUE: reject: RCPT from name[addr]: REPLY; from=<s> to=<r> proto=P helo=<h>
// sasl_username=L check=NAME" (postfix-logging.md section 3; client text made
// printable). REPLY is the SMTP reply smtpd makes of the action (smtp_reply).
std::string decision_line(const Request& request, const Outcome& outcome);
// smtp_reply - the reply smtpd sends for ACTION answered from
// smtpd_recipient_restrictions: "554 5.7.1 Relay access denied" becomes
// "554 5.7.1 <rcpt>: Recipient address rejected: Relay access denied".
std::string smtp_reply(const Request& request, std::string_view action);

class PolicySession final : public core::server::Session {
 public:
  static constexpr size_t kMaxPipelined = 16;
  PolicySession(Engine& engine, size_t max_request) : engine_(engine), max_request_(max_request) {}
  size_t on_input(const std::shared_ptr<core::server::Connection>& conn, std::string_view input) override;

 private:
  struct Slot {
    std::shared_ptr<const Request> request;
    std::optional<Outcome> outcome;  // written by the worker, read in DONE
    bool ready = false;              // loop thread only
  };
  struct Queue {
    std::deque<std::shared_ptr<Slot>> slots;
    bool paused = false;
  };
  static void flush(Engine& engine, Queue& queue, const std::shared_ptr<core::server::Connection>& conn);
  void run_on_worker(const std::shared_ptr<core::server::Connection>& conn, const std::shared_ptr<Slot>& slot,
                     const std::shared_ptr<const CheckList>& checks);

  Engine& engine_;
  size_t max_request_;
  std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
};

}  // namespace policyd
