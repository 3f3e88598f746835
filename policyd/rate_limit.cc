// rate_limit.cc - the "rate" check: per-login message and recipient counts per window.
#include "policyd/rate_limit.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

#include "core/log/log.h"
#include "core/table/mysql_table.h"

namespace policyd {
namespace {

// lower - ASCII lowercase (Postfix Admin logins compare case-insensitively).
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// recipient_count - the request's recipient_count; 0 when absent or garbled.
long long recipient_count(std::string_view text) {
  long long n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 0) return 0;
  return n;
}

}  // namespace

RateLimit::RateLimit(RateSettings settings, std::shared_ptr<core::table::Table> limits,
                     std::unique_ptr<CounterStore> store, Clock clock)
    : settings_(std::move(settings)), limits_(std::move(limits)), store_(std::move(store)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return static_cast<long long>(std::time(nullptr)); };
}

// limit_for - "user@domain", then "@domain" in the limits map, then the defaults.
core::Result<RateLimitValue> RateLimit::limit_for(std::string_view login) const {
  if (!limits_) return settings_.defaults;
  std::string keys[2] = {std::string(login), ""};
  if (auto at = login.rfind('@'); at != std::string_view::npos && at + 1 < login.size())
    keys[1] = std::string(login.substr(at));
  for (const auto& key : keys) {
    if (key.empty()) continue;
    auto v = limits_->lookup(key);
    if (!v) return v.error();
    if (*v) return parse_limit(**v, fmt::format("{} key {}", limits_->name(), core::log::printable(key)));
  }
  return settings_.defaults;
}

// check - count a DATA request of a SASL login; defer (or hold) it when over the limit.
core::Result<std::optional<Verdict>> RateLimit::check(const Request& request) {
  if (request.get("protocol_state") != "DATA") return std::optional<Verdict>();
  std::string login = lower(request.get("sasl_username"));
  if (login.empty()) return std::optional<Verdict>();
  auto limit = limit_for(login);
  if (!limit) return limit.error();
  if (limit->unlimited()) return std::optional<Verdict>();
  if (!blocking_allowed()) return would_block();  // nothing written yet

  long long rcpts = recipient_count(request.get("recipient_count"));
  long long window = window_start(clock_(), limit->window.count());
  auto usage = store_->add(login, window, rcpts);
  if (!usage) return usage.error();
  std::string what;
  if (limit->messages > 0 && usage->messages > limit->messages)
    what = fmt::format("{} messages in {} s", limit->messages, limit->window.count());
  else if (limit->recipients > 0 && usage->recipients > limit->recipients)
    what = fmt::format("{} recipients in {} s", limit->recipients, limit->window.count());
  if (what.empty()) return std::optional<Verdict>();

  if (auto undone = store_->undo(login, window, rcpts); !undone)
    core::log::warning("rate: cannot take back the refused message of {}: {}", core::log::printable(login),
                       undone.error().text);
  Verdict v;
  v.reason = "rate limit exceeded: " + what;
  std::string shown = core::log::printable(login);
  if (settings_.hold) {
    v.kind = Verdict::Kind::kHold;
    v.text = fmt::format("HOLD <{}>: {}", shown, v.reason);
  } else {
    v.kind = Verdict::Kind::kDefer;
    v.text = fmt::format("450 4.7.1 <{}>: {}", shown, v.reason);
  }
  core::log::info("rate: {}: sasl_username={} client={}[{}] recipients={}: {}", settings_.hold ? "hold" : "defer",
                  shown, core::log::printable(request.get("client_name")),
                  core::log::printable(request.get("client_address")), rcpts, v.reason);
  return std::optional<Verdict>(std::move(v));
}

core::Result<std::unique_ptr<Check>> make_rate_limit(const CheckContext& ctx) {
  auto settings = load_rate_settings(*ctx.config);
  if (!settings) return settings.error();
  if (!settings->enabled) return std::unique_ptr<Check>();
  std::string label = "policyd_rate_database " + settings->database;
  auto cf = core::table::read_mysql_cf(settings->database, label);
  if (!cf) return cf.error();
  auto ms = core::table::mysql_settings(*cf, label);
  if (!ms) return ms.error();
  std::shared_ptr<core::table::Table> limits;
  if (!settings->limit_maps.empty()) {
    auto t = ctx.open_tables(settings->limit_maps);
    if (!t) return t.error();
    limits = std::move(*t);
  }
  auto store = std::make_unique<MysqlCounterStore>(std::make_unique<core::mysql::Client>(label, std::move(*ms)));
  return std::unique_ptr<Check>(
      std::make_unique<RateLimit>(std::move(*settings), std::move(limits), std::move(store)));
}

}  // namespace policyd
