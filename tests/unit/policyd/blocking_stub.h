// blocking_stub.h - lets rate-limit tests run a check as the loop pass
// (blocking not allowed) or as a worker. Until policyd's server is in the
// tree, blocking_stub.cc defines policyd::blocking_allowed() over this flag.
#pragma once

namespace vmk_test {
// set_blocking_allowed - what policyd::blocking_allowed() answers on this thread.
void set_blocking_allowed(bool allowed);

struct LoopPass {
  LoopPass() { set_blocking_allowed(false); }
  ~LoopPass() { set_blocking_allowed(true); }
};
}  // namespace vmk_test
