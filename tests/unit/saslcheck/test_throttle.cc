// test_throttle.cc - failure counting and delays with a fake clock.
#include <catch2/catch.hpp>

#include "saslcheck/throttle.h"

using namespace std::chrono_literals;
using saslcheck::Throttle;

TEST_CASE("delays start after the threshold, double, cap, reset on success", "[unit]") {
  Throttle t({.threshold = 2, .delay = 100ms, .max_delay = 350ms, .window = 60s, .max_entries = 10});
  auto now = Throttle::Clock::time_point() + 1000h;
  CHECK(t.delay_for("joe", now) == 0ms);
  t.record("joe", false, now);
  CHECK(t.delay_for("joe", now) == 0ms);
  t.record("joe", false, now);
  CHECK(t.delay_for("joe", now) == 100ms);
  t.record("joe", false, now);
  CHECK(t.delay_for("joe", now) == 200ms);
  t.record("joe", false, now);
  CHECK(t.delay_for("joe", now) == 350ms);
  CHECK(t.delay_for("ann", now) == 0ms);
  CHECK(t.delay_for("joe", now + 61s) == 0ms);  // window passed
  t.record("joe", true, now);
  CHECK(t.delay_for("joe", now) == 0ms);
}

TEST_CASE("bounded memory, prune, off switch", "[unit]") {
  Throttle t({.threshold = 1, .delay = 10ms, .max_delay = 10ms, .window = 10s, .max_entries = 3});
  auto now = Throttle::Clock::time_point() + 1000h;
  for (int i = 0; i < 10; ++i) t.record("u" + std::to_string(i), false, now);
  CHECK(t.size() == 3);
  t.prune(now + 11s);
  CHECK(t.size() == 0);
  Throttle off({.threshold = 0, .delay = 10ms, .max_delay = 10ms, .window = 10s, .max_entries = 3});
  for (int i = 0; i < 5; ++i) off.record("joe", false, now);
  CHECK(off.delay_for("joe", now) == 0ms);
}
