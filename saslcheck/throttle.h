// throttle.h - slows down repeated failures for one login.
//
// After `threshold` failures of a login within `window`, every further reply
// for that login (success or failure, so a guess cannot be told apart by
// speed) waits delay, 2*delay, 4*delay ... capped at max_delay. A success
// clears the login. Memory is bounded: at most max_entries logins, the
// oldest dropped first by prune().
//
// Not thread-safe: use it on the loop thread only. Time is passed in, so
// tests need no clock.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>

namespace saslcheck {

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    unsigned threshold = 3;                     // saslcheck_failure_threshold; 0 = off
    std::chrono::milliseconds delay{1000};      // saslcheck_failure_delay
    std::chrono::milliseconds max_delay{5000};  // saslcheck_max_failure_delay (< Postfix's 10 s)
    std::chrono::seconds window{600};           // failures older than this are forgotten
    size_t max_entries = 100000;
  };
  explicit Throttle(Options options) : options_(options) {}

  // delay_for - how long to hold the reply to LOGIN, decided before the result is known.
  std::chrono::milliseconds delay_for(std::string_view login, Clock::time_point now) const;
  // record - the outcome of one check for LOGIN.
  void record(std::string_view login, bool success, Clock::time_point now);
  // prune - forget logins whose last failure is older than the window.
  void prune(Clock::time_point now);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    unsigned failures = 0;
    Clock::time_point last;
  };
  Options options_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace saslcheck
