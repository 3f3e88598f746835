// session.cc - policy requests in, replies out in order, two-pass evaluation.
#include "policyd/session.h"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>

#include "core/log/log.h"
#include "core/proto/policy.h"

namespace policyd {
namespace {

using ConnPtr = std::shared_ptr<core::server::Connection>;

std::string_view action_word(Verdict::Kind kind) {
  switch (kind) {
    case Verdict::Kind::kReject:
    case Verdict::Kind::kDefer:
      return "reject";
    case Verdict::Kind::kDeferIfPermit:
      return "defer_if_permit";
    case Verdict::Kind::kHold:
      return "hold";
    case Verdict::Kind::kOk:
      return "ok";
    case Verdict::Kind::kDunno:
      break;
  }
  return "dunno";
}

}  // namespace

// smtp_reply - what smtpd makes of ACTION from smtpd_recipient_restrictions
// (check_table_result): "CODE DSN <rcpt>: Recipient address rejected: TEXT";
// other actions (OK, DUNNO, HOLD) are returned as they are.
std::string smtp_reply(const Request& r, std::string_view action) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string code, dsn;
  std::string_view text = action;
  auto word = [&](std::string_view w) {
    if (text.size() < w.size() || strncasecmp(text.data(), w.data(), w.size()) != 0) return false;
    if (text.size() > w.size() && text[w.size()] != ' ') return false;
    text.remove_prefix(std::min(text.size(), w.size() + 1));
    return true;
  };
  if (text.size() > 4 && is_digit(text[0]) && is_digit(text[1]) && is_digit(text[2]) && text[3] == ' ') {
    code = std::string(text.substr(0, 3));
    dsn = code[0] == '4' ? "4.7.1" : "5.7.1";
    text.remove_prefix(4);
  } else if (word("DEFER_IF_PERMIT") || word("DEFER")) {
    code = "450", dsn = "4.7.1";
  } else if (word("REJECT")) {
    code = "554", dsn = "5.7.1";
  } else {
    return std::string(action);
  }
  if (text.size() >= 5 && is_digit(text[0]) && text[1] == '.' && text.find(' ') != std::string_view::npos) {
    dsn = std::string(text.substr(0, text.find(' ')));
    text.remove_prefix(dsn.size() + 1);
  }
  return fmt::format("{} {} <{}>: Recipient address rejected: {}", code, dsn, r.get("recipient"),
                     text.empty() ? "Access denied" : text);
}

// decision_line - Postfix's smtpd_check reject line, plus sasl_username.
std::string decision_line(const Request& r, const Outcome& o) {
  auto p = [](std::string_view s) { return core::log::printable(s, 300); };
  std::string_view qid = r.get("queue_id");
  std::string line = fmt::format("{}: {}: {} from {}[{}]: {};", qid.empty() ? "NOQUEUE" : p(qid),
                                 action_word(o.verdict.kind), p(r.get("protocol_state")),
                                 p(r.get("client_name").empty() ? "unknown" : r.get("client_name")),
                                 p(r.get("client_address")), p(smtp_reply(r, o.verdict.text)));
  line += fmt::format(" from=<{}>", p(r.get("sender")));
  if (!r.get("recipient").empty()) line += fmt::format(" to=<{}>", p(r.get("recipient")));
  if (!r.get("protocol_name").empty()) line += fmt::format(" proto={}", p(r.get("protocol_name")));
  if (!r.get("helo_name").empty()) line += fmt::format(" helo=<{}>", p(r.get("helo_name")));
  if (!r.get("sasl_username").empty()) line += fmt::format(" sasl_username={}", p(r.get("sasl_username")));
  if (!o.check.empty()) line += fmt::format(" check={}", o.check);
  return line;
}

std::string Engine::summary() const {
  const auto& c = counters_;
  return fmt::format("requests={} loop={} worker={} ok={} dunno={} reject={} defer={} hold={} bad={}",
                     c.requests.load(), c.loop.load(), c.worker.load(), c.ok.load(), c.dunno.load(),
                     c.reject.load(), c.defer.load(), c.hold.load(), c.bad.load());
}

// record - counters, and one log line per non-OK/DUNNO answer.
void Engine::record(const Request& request, const Outcome& outcome) {
  auto& c = counters_;
  switch (outcome.verdict.kind) {
    case Verdict::Kind::kOk:
      c.ok.fetch_add(1, std::memory_order_relaxed);
      return;
    case Verdict::Kind::kDunno:
      c.dunno.fetch_add(1, std::memory_order_relaxed);
      return;
    case Verdict::Kind::kReject:
      c.reject.fetch_add(1, std::memory_order_relaxed);
      break;
    case Verdict::Kind::kDefer:
    case Verdict::Kind::kDeferIfPermit:
      c.defer.fetch_add(1, std::memory_order_relaxed);
      break;
    case Verdict::Kind::kHold:
      c.hold.fetch_add(1, std::memory_order_relaxed);
      break;
  }
  core::log::info("{}", decision_line(request, outcome));
}

// flush - write every answered reply at the head of the queue; resume input
// once there is room again.
void PolicySession::flush(Engine& engine, Queue& queue, const ConnPtr& conn) {
  while (!queue.slots.empty() && queue.slots.front()->ready) {
    auto slot = std::move(queue.slots.front());
    queue.slots.pop_front();
    engine.record(*slot->request, *slot->outcome);
    conn->write(core::proto::policy_reply(slot->outcome->verdict.text));
  }
  if (queue.paused && queue.slots.size() < kMaxPipelined) {
    queue.paused = false;
    conn->resume_input();
  }
}

// on_input - one request per call: parse, loop pass, else a worker pass.
size_t PolicySession::on_input(const ConnPtr& conn, std::string_view input) {
  auto parsed = core::proto::parse_policy_request(input, max_request_);
  if (parsed.need_more()) return 0;
  auto request = std::make_shared<Request>();
  for (auto& [name, value] : parsed.attributes) request->add(std::move(name), std::move(value));
  if (parsed.request() && request->get("request") != "smtpd_access_policy") {
    parsed.kind = core::proto::PolicyRequestResult::Kind::Error;
    parsed.error = fmt::format("request=\"{}\", expected request=smtpd_access_policy",
                               core::log::printable(request->get("request")));
  }
  if (parsed.failed()) {
    engine_.counters().bad.fetch_add(1, std::memory_order_relaxed);
    core::log::warning("{}: policy client {}: {}; closing the connection", conn->listener(), conn->peer(),
                       parsed.error);
    conn->close();
    return input.size();
  }
  engine_.counters().requests.fetch_add(1, std::memory_order_relaxed);
  auto checks = engine_.checks();
  auto slot = std::make_shared<Slot>();
  slot->request = request;
  queue_->slots.push_back(slot);
  auto first = loop_pass(*checks, *request);
  if (first || !is_would_block(first.error())) {
    engine_.counters().loop.fetch_add(1, std::memory_order_relaxed);
    // A would-block-free error cannot come back from evaluate(); be safe anyway.
    slot->outcome = first ? std::move(*first) : Outcome{defer_verdict("policyd", first.error()), "policyd"};
    slot->ready = true;
    flush(engine_, *queue_, conn);  // written now unless older requests still wait
  } else {
    engine_.counters().worker.fetch_add(1, std::memory_order_relaxed);
    run_on_worker(conn, slot, checks);
  }
  // Pause here rather than refusing input later: a session that returns 0
  // tells the server it needs more bytes, not that it is busy.
  if (queue_->slots.size() >= kMaxPipelined) {
    queue_->paused = true;
    conn->pause_input();
  }
  return parsed.consumed;
}

// run_on_worker - the blocking pass for SLOT; DONE flushes on the loop thread.
void PolicySession::run_on_worker(const ConnPtr& conn, const std::shared_ptr<Slot>& slot,
                                  const std::shared_ptr<const CheckList>& checks) {
  std::weak_ptr<core::server::Connection> weak = conn;
  Engine& engine = engine_;
  auto queue = queue_;
  engine_.submit(
      [slot, checks] {
        auto r = evaluate(*checks, *slot->request);
        // Blocking is allowed here, so would_block() means a check broke the contract.
        slot->outcome = r ? std::move(*r) : Outcome{defer_verdict("policyd", r.error()), "policyd"};
      },
      [slot, weak, queue, &engine] {
        slot->ready = true;
        auto c = weak.lock();
        if (!c || c->closed()) return;
        flush(engine, *queue, c);
      });
}

}  // namespace policyd
