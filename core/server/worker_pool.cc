// worker_pool.cc - worker threads plus a completion queue drained on the loop.
//
// Per job the pool takes its mutex once on the loop (submit) and once on a
// worker after WORK (hand in DONE, take the next job), and makes at most
// one futex wake: submit() wakes a worker only when one is idle and not
// already being woken, and a busy worker goes on to the next job without
// sleeping. Completions reach the loop through the pool's own eventfd, not
// event_active(): that would take libevent's base lock, which the loop
// holds while it dispatches, so workers would queue on it. The eventfd is
// written once per batch: only when the loop has drained everything since
// the last signal (wake_pending).
#include "core/server/worker_pool.h"

#include <event2/event.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/log/log.h"

namespace core::server {

struct WorkerPool::State {
  struct Job {
    std::function<void()> work, done;
  };
  ~State() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  std::mutex mu;
  std::condition_variable work_ready;
  std::condition_variable thread_exited;
  std::deque<Job> jobs;
  std::vector<std::function<void()>> done;  // completed, waiting for the loop
  size_t idle = 0;                          // workers waiting in work_ready
  size_t waking = 0;                        // of those, already notified
  bool wake_pending = false;                // wake_fd written, loop has not drained since
  int wake_fd = -1;                         // eventfd read by the loop; closed with the State
  event* wakeup = nullptr;                  // null once stopped
  bool stopping = false;
  size_t alive = 0;
};

namespace {

using State = WorkerPool::State;

// run_work - WORK, with exceptions logged instead of ending the process.
void run_work(std::function<void()>& work) {
  try {
    work();
  } catch (const std::exception& e) {
    log::error("worker job failed: {}", e.what());
  } catch (...) {
    log::error("worker job failed with an unknown exception");
  }
  work = nullptr;  // WORK's captures die on this thread, not on the loop
}

// signal_loop - make the loop's read event on FD fire.
void signal_loop(int fd) {
  uint64_t one = 1;
  while (::write(fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
  // EAGAIN (counter saturated) still leaves the fd readable: nothing lost.
}

// worker_main - take jobs until stopping; hand each DONE to the loop.
void worker_main(std::shared_ptr<State> s) {
  std::unique_lock lock(s->mu);
  for (;;) {
    while (!s->stopping && s->jobs.empty()) {
      ++s->idle;
      s->work_ready.wait(lock);
      --s->idle;
      if (s->waking > 0) --s->waking;
    }
    if (s->stopping) break;
    State::Job job = std::move(s->jobs.front());
    s->jobs.pop_front();
    lock.unlock();
    run_work(job.work);
    lock.lock();
    if (s->stopping) break;
    s->done.push_back(std::move(job.done));
    if (!s->wake_pending) {
      s->wake_pending = true;
      lock.unlock();
      signal_loop(s->wake_fd);
      lock.lock();
    }
  }
  --s->alive;
  s->thread_exited.notify_all();
}

// drain_done - on the loop: reset the eventfd, then run every queued DONE.
void drain_done(evutil_socket_t fd, short, void* arg) {
  auto* s = static_cast<State*>(arg);
  uint64_t count;
  (void)!::read(fd, &count, sizeof count);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(s->mu);
    s->wake_pending = false;
    batch.swap(s->done);
  }
  for (auto& fn : batch)
    if (fn) fn();
}

}  // namespace

WorkerPool::WorkerPool(event_base* base, size_t threads) : state_(std::make_shared<State>()) {
  state_->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (state_->wake_fd < 0) log::fatal("worker pool: eventfd: {}", std::strerror(errno));
  state_->wakeup = event_new(base, state_->wake_fd, EV_READ | EV_PERSIST, drain_done, state_.get());
  if (state_->wakeup == nullptr || event_add(state_->wakeup, nullptr) != 0)
    log::fatal("worker pool: cannot add the completion event");
  if (threads == 0) threads = 1;
  std::lock_guard lock(state_->mu);
  for (size_t i = 0; i < threads; ++i) {
    std::thread(worker_main, state_).detach();
    ++state_->alive;
  }
}

WorkerPool::~WorkerPool() {
  stop(std::chrono::milliseconds(2000));
}

// submit - queue the job; wake a worker only if one sleeps and none is
// already on its way (a busy worker takes the job when it finishes).
void WorkerPool::submit(std::function<void()> work, std::function<void()> done) {
  bool wake = false;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return;
    state_->jobs.push_back({std::move(work), std::move(done)});
    if (state_->idle > state_->waking) {
      ++state_->waking;
      wake = true;
    }
  }
  if (wake) state_->work_ready.notify_one();
}

// stop - threads are detached from the start; "joining" means waiting for
// the alive count to reach zero, which a stuck thread may never do.
bool WorkerPool::stop(std::chrono::milliseconds wait) {
  std::unique_lock lock(state_->mu);
  if (state_->wakeup == nullptr) return state_->alive == 0;
  state_->stopping = true;
  state_->jobs.clear();
  state_->done.clear();
  event_free(state_->wakeup);
  state_->wakeup = nullptr;
  state_->work_ready.notify_all();
  bool all = state_->thread_exited.wait_for(lock, wait, [&] { return state_->alive == 0; });
  if (!all) log::warning("{} worker thread(s) still busy at shutdown; not waiting for them", state_->alive);
  return all;
}

}  // namespace core::server
