// pipeline.cc - ordered checks, would-block, fail-safe defers.
#include "policyd/pipeline.h"

#include "core/log/log.h"

namespace policyd {
namespace {

thread_local bool t_blocking_allowed = true;

bool is_final(Verdict::Kind kind) { return kind != Verdict::Kind::kOk && kind != Verdict::Kind::kDunno; }

}  // namespace

bool blocking_allowed() { return t_blocking_allowed; }

BlockingScope::BlockingScope(bool allowed) : saved_(t_blocking_allowed) { t_blocking_allowed = allowed; }
BlockingScope::~BlockingScope() { t_blocking_allowed = saved_; }

// defer_verdict - 4.3.0 like Postfix's own "Temporary lookup failure"; the
// table's reason goes to the log only (it may name hosts and files).
Verdict defer_verdict(std::string_view check, const core::Error& error) {
  Verdict v;
  v.kind = Verdict::Kind::kDeferIfPermit;
  v.text = "DEFER_IF_PERMIT 4.3.0 Temporary lookup failure, please try again later";
  v.reason = fmt::format("{} check: {}{}", check, error.retry() ? "" : "configuration error: ", error.text);
  return v;
}

// evaluate - see pipeline.h for the rules.
core::Result<Outcome> evaluate(const CheckList& checks, const Request& request) {
  std::optional<Outcome> ok;
  for (const auto& check : checks) {
    auto r = check->check(request);
    if (!r) {
      if (is_would_block(r.error())) return r.error();
      core::log::warning("{} check: {}; answering DEFER_IF_PERMIT", check->name(), r.error().text);
      return Outcome{defer_verdict(check->name(), r.error()), std::string(check->name())};
    }
    if (!r->has_value()) continue;
    Verdict& v = **r;
    if (is_final(v.kind)) return Outcome{std::move(v), std::string(check->name())};
    if (v.kind == Verdict::Kind::kOk && !ok) ok = Outcome{std::move(v), std::string(check->name())};
  }
  if (ok) return std::move(*ok);
  return Outcome{Verdict{Verdict::Kind::kDunno, "DUNNO", ""}, ""};
}

// loop_pass - the same with table lookups limited to cached answers.
core::Result<Outcome> loop_pass(const CheckList& checks, const Request& request) {
  BlockingScope scope(false);
  return evaluate(checks, request);
}

}  // namespace policyd
