// throttle.cc - per-login failure counting with exponential delays.
#include "saslcheck/throttle.h"

#include <algorithm>

namespace saslcheck {

std::chrono::milliseconds Throttle::delay_for(std::string_view login, Clock::time_point now) const {
  if (options_.threshold == 0) return std::chrono::milliseconds(0);
  auto it = entries_.find(std::string(login));
  if (it == entries_.end() || now - it->second.last > options_.window) return std::chrono::milliseconds(0);
  if (it->second.failures < options_.threshold) return std::chrono::milliseconds(0);
  unsigned steps = std::min(it->second.failures - options_.threshold, 16u);
  auto d = options_.delay * (1LL << steps);
  return std::min<std::chrono::milliseconds>(d, options_.max_delay);
}

void Throttle::record(std::string_view login, bool success, Clock::time_point now) {
  if (options_.threshold == 0) return;
  std::string key(login);
  if (success) {
    entries_.erase(key);
    return;
  }
  if (entries_.size() >= options_.max_entries && !entries_.count(key)) prune(now);
  if (entries_.size() >= options_.max_entries) return;  // full of recent failures: count no more
  Entry& e = entries_[key];
  if (now - e.last > options_.window) e.failures = 0;
  ++e.failures;
  e.last = now;
}

void Throttle::prune(Clock::time_point now) {
  std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last > options_.window; });
}

}  // namespace saslcheck
