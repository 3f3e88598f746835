// rate_limit.h - the "rate" check: an optional per-login sending rate limit.
//
// Off unless policyd_rate_limit = yes (rate_settings.h lists the parameters).
// Only SASL-authenticated clients are limited, by their sasl_username
// (lowercased); others get no opinion from this check.
//
// Counted at protocol_state DATA (Postfix's smtpd_data_restrictions): the
// whole transaction's recipient_count is known there and a refusal costs the
// client no message transfer; Postfix reports BDAT as DATA too. The cost: a
// message counted at DATA and then aborted during transfer still counts.
// Requests in any other state get no opinion, so END-OF-MESSAGE and RCPT
// requests through the same policy service are never counted twice.
//
// The limit for a login comes from policyd_rate_limit_maps, looked up like a
// Postfix map: "user@domain", then "@domain"; the value is
// "MESSAGES RECIPIENTS WINDOW" (0 = unlimited); not found: the
// policyd_rate_default_* parameters. A login whose limit is unlimited costs
// no database write. Over the limit the action is "450 4.7.1 <login>: rate
// limit exceeded: N messages in M s" (or "... N recipients ..."), which the
// client sees as "450 4.7.1 <DATA>: Data command rejected: <login>: rate limit
// exceeded: ...", or HOLD with the same text when policyd_rate_limit_action =
// hold; logged ("rate: defer: sasl_username=... client=..."). A refused message is not
// counted. A message with more recipients than a recipient limit can never
// pass: keep that limit at or above smtpd_recipient_limit.
//
// Loop pass (blocking_allowed() false): the limits map answers from the
// table cache; the counter update never runs there: would_block() first.
// Errors: a limits-map or database error (or a malformed limit value) is
// returned as an Error (the daemon answers DEFER_IF_PERMIT), never OK.
// Thread-safe: no mutable state besides the thread-safe pool and tables.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "policyd/check.h"
#include "policyd/rate_counter.h"
#include "policyd/rate_settings.h"

namespace policyd {

class RateLimit final : public Check {
 public:
  using Clock = std::function<long long()>;  // Unix seconds
  // LIMITS may be null (defaults only). CLOCK defaults to time(2).
  RateLimit(RateSettings settings, std::shared_ptr<core::table::Table> limits, std::unique_ptr<CounterStore> store,
            Clock clock = {});

  std::string_view name() const override { return "rate"; }
  core::Result<std::optional<Verdict>> check(const Request& request) override;

  // limit_for - the limit that applies to LOGIN (lowercase).
  core::Result<RateLimitValue> limit_for(std::string_view login) const;

 private:
  RateSettings settings_;
  std::shared_ptr<core::table::Table> limits_;
  std::unique_ptr<CounterStore> store_;
  Clock clock_;
};

// make_rate_limit - the check from CTX's config; nullptr when policyd_rate_limit is off.
// Opens the counter database pool (policyd_rate_database) and the limits map.
core::Result<std::unique_ptr<Check>> make_rate_limit(const CheckContext& ctx);

}  // namespace policyd
