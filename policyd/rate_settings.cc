// rate_settings.cc - the policyd_rate_* parameters and the limits-map value syntax.
#include "policyd/rate_settings.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace policyd {
namespace {

constexpr std::array<core::config::ParamSpec, 7> kSpecs{{
    {"policyd_rate_limit", "no"},
    {"policyd_rate_database", ""},
    {"policyd_rate_limit_maps", "${policyd_rate_database?mysql:$policyd_rate_database}"},
    {"policyd_rate_default_messages", "0"},
    {"policyd_rate_default_recipients", "0"},
    {"policyd_rate_default_window", "1h"},
    {"policyd_rate_limit_action", "defer"},
}};

constexpr long long kMaxCount = 1000000000;  // fits the INT columns of vmailkit_rate_counter
constexpr long long kMaxWindow = 366LL * 86400;

// parse_count - a decimal count 0..kMaxCount.
bool parse_count(std::string_view text, long long* out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size() && *out >= 0 && *out <= kMaxCount;
}

// parse_window - Postfix time value (s, m, h, d, w; default s), 1 s .. 366 d.
bool parse_window(std::string_view text, std::chrono::seconds* out) {
  if (text.empty()) return false;
  long long mult = 1;
  switch (text.back()) {
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    case 'w': mult = 7 * 86400; break;
    default: mult = 0;
  }
  if (mult != 0) text.remove_suffix(1);
  else mult = 1;
  long long n = 0;
  if (!parse_count(text, &n) || n == 0 || n > kMaxWindow / mult) return false;
  *out = std::chrono::seconds(n * mult);
  return true;
}

}  // namespace

const std::span<const core::config::ParamSpec> kRateParams{kSpecs};

core::Result<RateLimitValue> parse_limit(std::string_view value, std::string_view source) {
  auto words = core::config::split_list(value);
  RateLimitValue v;
  if (words.size() != 3 || !parse_count(words[0], &v.messages) || !parse_count(words[1], &v.recipients) ||
      !parse_window(words[2], &v.window))
    return core::config_error(fmt::format(
        "{}: bad rate limit \"{}\": want \"MESSAGES RECIPIENTS WINDOW\", e.g. \"100 500 1h\" (0 = unlimited)",
        source, value));
  return v;
}

core::Result<RateSettings> load_rate_settings(const core::config::Config& config) {
  RateSettings s;
  auto enabled = config.get_bool("policyd_rate_limit");
  if (!enabled) return enabled.error();
  s.enabled = *enabled;
  s.database = config.get("policyd_rate_database");
  s.limit_maps = config.get("policyd_rate_limit_maps");
  for (auto [name, field] : {std::pair{"policyd_rate_default_messages", &s.defaults.messages},
                             std::pair{"policyd_rate_default_recipients", &s.defaults.recipients}}) {
    auto v = config.get_int(name, 0, kMaxCount);
    if (!v) return v.error();
    *field = *v;
  }
  if (!parse_window(config.get("policyd_rate_default_window"), &s.defaults.window))
    return core::config_error(fmt::format("policyd_rate_default_window: bad time value \"{}\" (1s .. 366d)",
                                          config.get("policyd_rate_default_window")));
  auto action = config.get("policyd_rate_limit_action");
  if (action == "hold" || action == "HOLD") {
    s.hold = true;
  } else if (action != "defer" && action != "DEFER") {
    return core::config_error(fmt::format("policyd_rate_limit_action: \"{}\": want defer or hold", action));
  }
  if (s.enabled && s.database.empty())
    return core::config_error(
        "policyd_rate_limit = yes needs policyd_rate_database (a mysql_table(5) file such as "
        "/etc/postfix/vmailkit-rate.cf) for the shared counters");
  return s;
}

}  // namespace policyd
