// worker_pool.cc - worker threads plus a completion queue drained on the loop.
#include "core/server/worker_pool.h"

#include <event2/event.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/log/log.h"

namespace core::server {

struct WorkerPool::State {
  std::mutex mu;
  std::condition_variable work_ready;
  std::condition_variable thread_exited;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> jobs;
  std::vector<std::function<void()>> done;  // completed, waiting for the loop
  event* wakeup = nullptr;                  // null once stopped
  bool stopping = false;
  size_t alive = 0;
};

namespace {

// worker_main - take jobs until stopping; hand each DONE to the loop.
void worker_main(std::shared_ptr<WorkerPool::State> s) {
  std::unique_lock lock(s->mu);
  for (;;) {
    s->work_ready.wait(lock, [&] { return s->stopping || !s->jobs.empty(); });
    if (s->stopping) break;
    auto job = std::move(s->jobs.front());
    s->jobs.pop_front();
    lock.unlock();
    try {
      job.first();
    } catch (const std::exception& e) {
      log::error("worker job failed: {}", e.what());
    } catch (...) {
      log::error("worker job failed with an unknown exception");
    }
    lock.lock();
    if (s->stopping) break;
    s->done.push_back(std::move(job.second));
    event_active(s->wakeup, EV_READ, 0);
  }
  --s->alive;
  s->thread_exited.notify_all();
}

// drain_done - run every queued DONE on the loop thread.
void drain_done(evutil_socket_t, short, void* arg) {
  auto* s = static_cast<WorkerPool::State*>(arg);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(s->mu);
    batch.swap(s->done);
  }
  for (auto& fn : batch)
    if (fn) fn();
}

}  // namespace

WorkerPool::WorkerPool(event_base* base, size_t threads) : state_(std::make_shared<State>()) {
  state_->wakeup = event_new(base, -1, 0, drain_done, state_.get());
  if (threads == 0) threads = 1;
  std::lock_guard lock(state_->mu);
  for (size_t i = 0; i < threads; ++i) {
    std::thread(worker_main, state_).detach();
    ++state_->alive;
  }
}

WorkerPool::~WorkerPool() { stop(std::chrono::milliseconds(2000)); }

void WorkerPool::submit(std::function<void()> work, std::function<void()> done) {
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return;
    state_->jobs.emplace_back(std::move(work), std::move(done));
  }
  state_->work_ready.notify_one();
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
