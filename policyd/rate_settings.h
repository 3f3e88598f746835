// rate_settings.h - parameters and limit values of policyd's per-login
// sending rate limit (the "rate" check, rate_limit.h).
//
// kRateParams lists every policyd_rate_* parameter with its default; the
// daemon adds them to its kParams table. load_rate_settings() reads them
// from a loaded Config. parse_limit() reads one limits-map value,
// "MESSAGES RECIPIENTS WINDOW" (window in Postfix time units, e.g. "100 500 1h";
// 0 = that dimension unlimited). Values only; no shared state.
// Errors: Config errors naming the parameter or the offending map value.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/config/config.h"

namespace policyd {

extern const std::span<const core::config::ParamSpec> kRateParams;

// One limit: at most MESSAGES messages and RECIPIENTS recipients per WINDOW.
struct RateLimitValue {
  long long messages = 0;    // 0 = no message limit
  long long recipients = 0;  // 0 = no recipient limit
  std::chrono::seconds window{3600};

  bool unlimited() const { return messages == 0 && recipients == 0; }
  bool operator==(const RateLimitValue&) const = default;
};

struct RateSettings {
  bool enabled = false;       // policyd_rate_limit (yes/no)
  std::string database;       // policyd_rate_database: mysql_table(5) file for the counters
  std::string limit_maps;     // policyd_rate_limit_maps: per-user / per-domain limits
  RateLimitValue defaults;    // policyd_rate_default_messages, _recipients, _window
  bool hold = false;          // policyd_rate_limit_action = defer (default) | hold
};

// load_rate_settings - the policyd_rate_* parameters from CONFIG.
core::Result<RateSettings> load_rate_settings(const core::config::Config& config);

// parse_limit - one limits-map VALUE ("100 500 1h"); SOURCE names it in errors.
core::Result<RateLimitValue> parse_limit(std::string_view value, std::string_view source);

}  // namespace policyd
