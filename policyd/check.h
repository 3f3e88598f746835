// check.h - the contract between policyd's server (sessions, the request
// pipeline, table caching) and its checks (relay, sender login, RCPT-time
// quota, rate limit). Written first so the checks can be built in parallel.
//
// A Check is plain blocking code: it reads the request, looks keys up in
// tables opened through CheckContext::open_tables, and answers a Verdict or
// "no opinion" (nullopt: the next check runs; when none answers, DUNNO).
// Checks run in the order of checks.cc (one row per check). REJECT, DEFER,
// DEFER_IF_PERMIT and HOLD verdicts end the request. An OK verdict does not:
// it is kept while the later checks still run (a client allowed to relay
// must still meet the quota and rate checks), and answered when no later
// check objects. A DUNNO verdict counts as no opinion (pipeline.h).
//
// Two passes, so warm requests never leave the event loop: policyd first
// runs a request's checks on the loop thread with blocking_allowed() false.
// There, tables opened through open_tables answer from their cache only and
// report a miss as would_block(); a check that needs any other blocking
// work (an SQL write, a slow file) must itself return would_block() when
// !blocking_allowed(). A would_block() from any check abandons the loop pass
// and policyd runs the whole request again on a worker thread with blocking
// allowed. So a check must have no side effects before its would-block
// point. Everything else a check returns as an Error (Retry: a table is
// down) becomes "DEFER_IF_PERMIT <reason>", never OK.
//
// Thread safety: check() is called on the loop thread and on worker threads,
// possibly at the same time for different requests; checks guard their own
// state. Checks live as long as the daemon (rebuilt on SIGHUP).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/table/table.h"

namespace core::config {
class Config;
}

namespace policyd {

// One policy delegation request: the name=value attributes as sent
// (postfix-policy.md), in order. Lookups by name; a missing attribute is "".
class Request {
 public:
  void add(std::string name, std::string value) { attrs_.emplace_back(std::move(name), std::move(value)); }
  std::string_view get(std::string_view name) const {
    for (const auto& [n, v] : attrs_)
      if (n == name) return v;
    return {};
  }
  const std::vector<std::pair<std::string, std::string>>& attributes() const { return attrs_; }

 private:
  std::vector<std::pair<std::string, std::string>> attrs_;
};

// What policyd answers: "action=" + text. Kind says how to log and count it.
struct Verdict {
  enum class Kind { kDunno, kOk, kReject, kDefer, kDeferIfPermit, kHold };
  Kind kind = Kind::kDunno;
  std::string text;    // the action as sent: "DUNNO", "554 5.7.1 <a@b>: Relay access denied"
  std::string reason;  // for the log line ("Relay access denied"); may be empty
};

// would_block - the Error a loop-pass check returns to be re-run on a worker.
inline core::Error would_block() { return core::retry_error("vmailkit:would-block"); }
inline bool is_would_block(const core::Error& e) {
  return e.retry() && e.text == "vmailkit:would-block";
}

// blocking_allowed - false during the loop pass (per thread; policyd sets it).
bool blocking_allowed();

struct CheckContext {
  const core::config::Config* config = nullptr;
  // open_tables - a table list from a parameter value ("mysql:/a.cf, texthash:/b"),
  // cached and loop-pass aware as described above; shared by checks that
  // open the same value. Startup errors (unknown type) are returned.
  std::function<core::Result<std::shared_ptr<core::table::Table>>(std::string_view specs)> open_tables;
};

class Check {
 public:
  virtual ~Check() = default;
  // name - short, for logs and counters ("relay", "sender_login", "quota", "rate").
  virtual std::string_view name() const = 0;
  // check - a verdict, nullopt (no opinion), or an Error (see above).
  virtual core::Result<std::optional<Verdict>> check(const Request& request) = 0;
};

}  // namespace policyd
