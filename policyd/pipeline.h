// pipeline.h - one request through the checks, in check.h's two passes.
//
// evaluate() runs every check in order (policyd's rules, which check.h
// states for check writers):
//   - an Error that is would_block() ends the pass with would_block();
//   - any other Error ends the request with DEFER_IF_PERMIT (never OK), and
//     is logged with the check's name and the table's reason;
//   - a REJECT/DEFER/DEFER_IF_PERMIT/HOLD verdict ends the request;
//   - an OK verdict is remembered and the later checks still run (a full
//     mailbox or a rate limit must still apply to a client allowed to
//     relay); the first OK is the answer when nobody objects;
//   - DUNNO verdicts and nullopt are "no opinion"; none at all gives DUNNO.
// loop_pass() is evaluate() with blocking_allowed() false on this thread.
//
// Pure functions over the checks; thread-safe as the checks are.
#pragma once

#include <memory>
#include <vector>

#include "core/base/result.h"
#include "policyd/check.h"

namespace policyd {

using CheckList = std::vector<std::unique_ptr<Check>>;

// The answer to a request and who gave it (for logs and counters).
struct Outcome {
  Verdict verdict;
  std::string check;  // name of the deciding check; "" for the DUNNO default
};

// evaluate - the outcome for REQUEST, or would_block() (loop pass only).
core::Result<Outcome> evaluate(const CheckList& checks, const Request& request);
// loop_pass - evaluate() with blocking disallowed for its duration.
core::Result<Outcome> loop_pass(const CheckList& checks, const Request& request);

// BlockingScope - sets blocking_allowed() for this thread until destroyed.
class BlockingScope {
 public:
  explicit BlockingScope(bool allowed);
  ~BlockingScope();
  BlockingScope(const BlockingScope&) = delete;
  BlockingScope& operator=(const BlockingScope&) = delete;

 private:
  bool saved_;
};

// defer_verdict - the DEFER_IF_PERMIT answer for a failed check.
Verdict defer_verdict(std::string_view check, const core::Error& error);

}  // namespace policyd
