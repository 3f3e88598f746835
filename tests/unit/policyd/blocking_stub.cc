// blocking_stub.cc - policyd::blocking_allowed() for the unit tests (see blocking_stub.h).
#include "tests/unit/policyd/blocking_stub.h"

#include "policyd/check.h"

namespace {
thread_local bool t_allowed = true;
}

namespace vmk_test {
void set_blocking_allowed(bool allowed) { t_allowed = allowed; }
}  // namespace vmk_test

namespace policyd {
bool blocking_allowed() { return t_allowed; }
}  // namespace policyd
