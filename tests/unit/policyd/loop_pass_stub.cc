// loop_pass_stub.cc - blocking_allowed() for the quota check's tests until
// the daemon's pipeline (which defines it) is merged. XXX(pquota, 2026-11):
// removed when policyd/pipeline.cc arrives.
#include "policyd/check.h"
#include "tests/unit/policyd/loop_pass.h"

namespace policyd {
namespace test {
thread_local bool t_blocking = true;
}
bool blocking_allowed() { return test::t_blocking; }
}  // namespace policyd
