// test_worker_pool.cc - WorkerPool on a bare event_base: every WORK off the
// loop thread and every DONE on it, exactly once; WORK's captures destroyed
// on the worker; DONE may submit more; workers run in parallel; stop()
// drops queued jobs, runs no DONE afterwards and gives up on a stuck one.
#include <event2/event.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/server/worker_pool.h"

using core::server::WorkerPool;
using namespace std::chrono_literals;

namespace {

// Loop - an event_base run on the test thread until quit() or a deadline.
struct Loop {
  event_base* base = event_base_new();
  ~Loop() { event_base_free(base); }
  void run(std::chrono::milliseconds limit) {
    timeval tv{static_cast<time_t>(limit.count() / 1000), static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
  }
  void quit() { event_base_loopbreak(base); }
};

// Marker - records the thread it is destroyed on (held by shared_ptr, so
// that is where its last owner lets go).
struct Marker {
  std::thread::id* died_on;
  ~Marker() { *died_on = std::this_thread::get_id(); }
};

}  // namespace

TEST_CASE("worker pool: 2000 jobs, WORK off the loop, DONE on it, each once", "[unit]") {
  Loop loop;
  WorkerPool pool(loop.base, 2);
  const auto loop_id = std::this_thread::get_id();
  constexpr int kJobs = 2000;
  std::atomic<int> work_on_loop{0}, work_runs{0};
  std::vector<int> done_count(kJobs, 0);
  int dones = 0, done_elsewhere = 0;
  for (int i = 0; i < kJobs; ++i) {
    pool.submit(
        [&, loop_id] {
          if (std::this_thread::get_id() == loop_id) ++work_on_loop;
          ++work_runs;
        },
        [&, i, loop_id] {
          if (std::this_thread::get_id() != loop_id) ++done_elsewhere;
          ++done_count[static_cast<size_t>(i)];
          if (++dones == kJobs) loop.quit();
        });
  }
  loop.run(20s);
  CHECK(dones == kJobs);
  CHECK(work_runs == kJobs);
  CHECK(work_on_loop == 0);
  CHECK(done_elsewhere == 0);
  int wrong = 0;
  for (int c : done_count) wrong += c != 1;
  CHECK(wrong == 0);
}

TEST_CASE("worker pool: WORK captures die on the worker; DONE can submit more", "[unit]") {
  Loop loop;
  WorkerPool pool(loop.base, 2);
  std::thread::id died_on;
  int chain = 0;
  std::function<void()> next = [&] {
    if (++chain == 100) {
      loop.quit();
      return;
    }
    pool.submit([] {}, next);
  };
  pool.submit([m = std::make_shared<Marker>(&died_on)] { (void)m; }, next);
  loop.run(20s);
  CHECK(chain == 100);
  CHECK(died_on != std::thread::id());
  CHECK(died_on != std::this_thread::get_id());
}

TEST_CASE("worker pool: two workers run two jobs at once", "[unit]") {
  Loop loop;
  WorkerPool pool(loop.base, 2);
  std::atomic<int> running{0}, peak{0};
  int dones = 0;
  for (int i = 0; i < 2; ++i) {
    pool.submit(
        [&] {
          int now = ++running;
          int p = peak.load();
          while (now > p && !peak.compare_exchange_weak(p, now)) {
          }
          auto until = std::chrono::steady_clock::now() + 2s;
          while (peak.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
          --running;
        },
        [&] {
          if (++dones == 2) loop.quit();
        });
  }
  loop.run(20s);
  CHECK(dones == 2);
  CHECK(peak == 2);
}

TEST_CASE("worker pool: stop drops queued jobs, runs no DONE after, gives up on a stuck job", "[unit]") {
  Loop loop;
  auto pool = std::make_unique<WorkerPool>(loop.base, 1);
  // Shared, not on the stack: the detached worker may outlive this test.
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto started = std::make_shared<std::atomic<bool>>(false);
  std::atomic<int> later_work{0};
  int dones = 0;
  pool->submit(
      [release, started] {
        *started = true;
        while (!*release) std::this_thread::sleep_for(1ms);
      },
      [&] { ++dones; });
  for (int i = 0; i < 10; ++i) pool->submit([&] { ++later_work; }, [&] { ++dones; });
  while (!*started) std::this_thread::sleep_for(1ms);
  CHECK_FALSE(pool->stop(50ms));  // the first job is stuck
  *release = true;
  pool->submit([&] { ++later_work; }, [&] { ++dones; });  // after stop: ignored
  pool.reset();
  loop.run(200ms);
  CHECK(dones == 0);
  CHECK(later_work == 0);
}
