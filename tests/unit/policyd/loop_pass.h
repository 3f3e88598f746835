// loop_pass.h - run test code as policyd's loop pass (blocking not allowed).
#pragma once

namespace policyd::test {
extern thread_local bool t_blocking;
struct LoopPass {
  LoopPass() { t_blocking = false; }
  ~LoopPass() { t_blocking = true; }
};
}  // namespace policyd::test
