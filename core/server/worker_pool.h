// worker_pool.h - a fixed pool of threads for blocking work (table lookups),
// whose completions run back on the event loop thread.
//
// submit(WORK, DONE): WORK runs on one of the pool's threads (and its
// captures are destroyed there); DONE is then queued (mutex-protected) and
// run on the loop thread of BASE, which the pool wakes through its own
// eventfd, once per batch of completions. DONEs run in completion order.
//
// Ownership: the pool's shared state is reference-counted and held by each
// thread, so stop() may give up on a thread stuck in WORK (detach it)
// without freeing memory under it. After stop() no DONE runs and BASE is
// never touched again. submit() may be called from any thread; stop() and
// the destructor from the loop thread (or after the loop ended).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

struct event_base;

namespace core::server {

class WorkerPool {
 public:
  WorkerPool(event_base* base, size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> work, std::function<void()> done);
  // stop - drop queued work, wait up to WAIT for running WORK to return.
  // Returns false when some thread was still busy (it is detached).
  bool stop(std::chrono::milliseconds wait);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace core::server
